/**
 * Playback routes through app.request() (no sockets) on a real SQLite and the real local-disk store,
 * wrapped only to count calls: bad paths and bad queries are refused before any storage or DB call.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { loadConfig } from '../../app/config/config.ts';
import { openDb } from '../../db/index.ts';
import { createKey, setKeyEnabled } from '../../db/repos/keys.ts';
import { createLocalDiskStorage } from '../../app/storage/local-disk.ts';
import type { Storage } from '../../app/storage/types.ts';
import { mountPlayback, createPlaybackCache } from '../../app/playback/index.ts';
import { presignV2 } from '../../app/core/signing/index.ts';
import type { AppDeps } from '../../app/http/deps.ts';

const AK = 'GVXDWEABA4CO2DSA2CPH';
const SECRET = 'lhV5DfiUPoNKL1IeF6BwUEuFXobEFmuz1iuw03XB';
const SEED_LINK = '/rtmptest1/channel002/index.m3u8?AWSAccessKeyId=GVXDWEABA4CO2DSA2CPH&Expires=2165554749&Signature=gw9qRSiwf3KXz5/0QsY3lUVuY6c%3D';
const SEG = 'channel002/1796333742744.ts';
const segBody = Uint8Array.from({ length: 188 * 20 }, (_, i) => (i % 188 === 0 ? 0x47 : i & 0xff));
const PLAYLIST = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:6.000,\n1796333742744.ts\n';

function counting(inner: Storage) {
  const calls: string[] = [];
  const s = new Proxy(inner, {
    get(t, p, r) {
      const v = Reflect.get(t, p, r);
      return typeof v === 'function' ? (...a: unknown[]) => (calls.push(String(p)), v.apply(t, a)) : v;
    },
  });
  return { storage: s, calls };
}

function setup(env: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-unit-'));
  const config = loadConfig({ DATA_DIR: dir, ...env });
  const db = openDb(':memory:');
  let dbCalls = 0;
  const prepare = db.$client.prepare.bind(db.$client);
  db.$client.prepare = ((sql: string) => (dbCalls++, prepare(sql))) as typeof db.$client.prepare;
  const { storage, calls } = counting(createLocalDiskStorage(path.join(dir, 'objects')));
  const app = new Hono();
  const cache = createPlaybackCache({ maxBytes: 1 << 20 });
  mountPlayback(app, { config, db, storage } as AppDeps, cache);
  // node's server hands the raw request target over as env.incoming.url; do the same here
  const req = (target: string, init: RequestInit = {}) => app.request(target, init, { incoming: { url: target } });
  return { app, db, storage, calls, req, cache, dbCalls: () => dbCalls };
}

const link = (key: string, o: { expires?: number; ak?: string; secret?: string; bucket?: string } = {}) =>
  presignV2({ base: '', bucket: o.bucket ?? 'rtmptest1', key, accessKeyId: o.ak ?? AK, secret: o.secret ?? SECRET, expires: o.expires ?? 2165554749 });

describe('playback routes', () => {
  let t: ReturnType<typeof setup>;
  before(async () => {
    t = setup();
    createKey(t.db, { id: AK, secret: SECRET });
    createKey(t.db, { id: 'SCOPEDKEY', secret: 'scoped-secret', scope: 'otherbucket' });
    createKey(t.db, { id: 'PUSHONLY', secret: 'push-secret', canPlay: false });
    createKey(t.db, { id: 'DISABLED', secret: 'disabled-secret' });
    setKeyEnabled(t.db, 'DISABLED', false);
    await t.storage.ensureBucket('rtmptest1');
    const enc = new TextEncoder();
    await t.storage.put('rtmptest1', 'channel002/index.m3u8', enc.encode(PLAYLIST), { contentType: 'application/x-mpegURL' });
    await t.storage.put('rtmptest1', 'channel002/vod.m3u8', enc.encode(PLAYLIST.replace('#EXT-X-VERSION:3\n', '#EXT-X-VERSION:3\n#EXT-X-PLAYLIST-TYPE:VOD\n') + '#EXT-X-ENDLIST\n'), { contentType: 'application/x-mpegURL' });
    await t.storage.put('rtmptest1', SEG, segBody, { contentType: 'video/mp2t' });
  });

  it('refuses every bad path spelling with 400 and a reason before any storage or DB call', async () => {
    const q = '?AWSAccessKeyId=GVXDWEABA4CO2DSA2CPH&Expires=2165554749&Signature=gw9qRSiwf3KXz5/0QsY3lUVuY6c%3D';
    const cases: [string, RegExp][] = [
      ['/rtmptest1/channel002/../channel002/1796333742744.ts', /'\.\.' segment/],
      ['/rtmptest1/%2e%2e/channel002/1796333742744.ts', /'\.\.' segment/],
      ['/rtmptest1/channel002/%2E%2E/%2E%2E/x.ts', /'\.\.' segment/],
      ['/rtmptest1/channel002%2F1796333742744.ts', /encoded '\/'/],
      ['/rtmptest1/channel002/1796333742744.ts%00', /control character/],
      ['/rtmptest1/channel002/%zz.ts', /malformed percent-encoding/],
      ['/rtmptest1/channel002/%5C..%5Cx.ts', /backslash/],
      ['/rtmptest1//channel002/1796333742744.ts', /empty segment/],
      ['/Rtmptest1/channel002/index.m3u8', /invalid bucket name/],
      ['/rtmptest1/chan%20nel/index.m3u8', /invalid channel name/],
      ['/rtmptest1/channel002/17963337427.ts', /invalid object name/],
      ['/rtmptest1/channel002/index.m3u8?a=%zz', /malformed percent-encoding in query/],
      ['/rtmptest1/channel002/index.m3u8?Expires=1&Expires=2', /repeated/],
    ];
    const before = { s: t.calls.length, d: t.dbCalls() };
    for (const [target, why] of cases) {
      const res = await t.req(target.includes('?') ? target : target + q);
      const body = await res.text();
      assert.equal(res.status, 400, target);
      assert.match(body, why, target);
      assert.match(body, /^<\?xml[^]*<Error><Code>Invalid(URI|Argument)<\/Code><Message>/);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
    }
    assert.deepEqual({ s: t.calls.length, d: t.dbCalls() }, before, 'no storage or DB call');
  });

  it('refuses a non-numeric Expires with 403 and a reason, before any storage or DB call', async () => {
    const before = { s: t.calls.length, d: t.dbCalls() };
    for (const e of ['abc', '2165554749.0', '', '21655547490000']) {
      const res = await t.req(`/rtmptest1/channel002/index.m3u8?AWSAccessKeyId=${AK}&Expires=${e}&Signature=gw9qRSiwf3KXz5/0QsY3lUVuY6c%3D`);
      assert.equal(res.status, 403);
      assert.match(await res.text(), /<Code>AccessDenied<\/Code><Message>Expires must be whole unix seconds/);
    }
    assert.deepEqual({ s: t.calls.length, d: t.dbCalls() }, before);
  });

  it('leaves reserved prefixes to other routes', async () => {
    const before = t.calls.length;
    assert.equal((await t.req('/api/channel002/index.m3u8')).status, 404);
    assert.equal((await t.req('/healthz')).status, 404);
    assert.equal(t.calls.length, before);
  });

  it('serves the seed\'s viewer link unchanged, with segment URIs signed by the same key until the same Expires', async () => {
    const res = await t.req(SEED_LINK);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(
      await res.text(),
      `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:6.000,\n/rtmptest1/channel002/1796333742744.ts?AWSAccessKeyId=GVXDWEABA4CO2DSA2CPH&Expires=2165554749&Signature=7JslGL0cdHfcfEvQXnNuJ24wTLs%3D\n`,
    );
    const vod = await t.req(link('channel002/vod.m3u8'));
    assert.equal(vod.headers.get('cache-control'), 'max-age=60');
  });

  it('serves segments with Range, suffix ranges, 416, ETag/304 and HEAD', async () => {
    const l = link(SEG);
    const full = await t.req(l);
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('content-type'), 'video/mp2t');
    assert.equal(full.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(full.headers.get('content-length'), String(segBody.length));
    const etag = full.headers.get('etag')!;
    assert.deepEqual(new Uint8Array(await full.arrayBuffer()), segBody);
    const r = await t.req(l, { headers: { range: 'bytes=0-187' } });
    assert.equal(r.status, 206);
    assert.equal(r.headers.get('content-range'), `bytes 0-187/${segBody.length}`);
    assert.deepEqual(new Uint8Array(await r.arrayBuffer()), segBody.subarray(0, 188));
    const s = await t.req(l, { headers: { range: 'bytes=-188' } });
    assert.equal(s.status, 206);
    assert.equal(s.headers.get('content-range'), `bytes ${segBody.length - 188}-${segBody.length - 1}/${segBody.length}`);
    assert.deepEqual(new Uint8Array(await s.arrayBuffer()), segBody.subarray(segBody.length - 188));
    const bad = await t.req(l, { headers: { range: `bytes=${segBody.length}-` } });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get('content-range'), `bytes */${segBody.length}`);
    const nm = await t.req(l, { headers: { 'if-none-match': etag } });
    assert.equal(nm.status, 304);
    assert.equal(nm.headers.get('etag'), etag);
    const head = await t.req(l, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(segBody.length));
    assert.equal((await head.arrayBuffer()).byteLength, 0);
  });

  it('refuses with 403 + reason: tampered, expired, unknown, disabled, push-only, wrong scope; 404 for a missing object', async () => {
    const expect = async (target: string, status: number, code: string, why: RegExp) => {
      const res = await t.req(target, { headers: { origin: 'http://player.example' } });
      const body = await res.text();
      assert.equal(res.status, status, `${target}: ${body}`);
      assert.match(body, new RegExp(`<Code>${code}</Code><Message>${why.source}`), target);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
    };
    await expect(SEED_LINK.replace('gw9q', 'gw9r'), 403, 'SignatureDoesNotMatch', /signature does not match/);
    await expect(SEED_LINK.replace('index.m3u8', 'vod.m3u8'), 403, 'SignatureDoesNotMatch', /signature does not match/);
    await expect(link('channel002/index.m3u8', { expires: 1_000_000_000 }), 403, 'AccessDenied', /link expired \d+ s ago/);
    await expect(link('channel002/index.m3u8', { ak: 'NOSUCHKEY' }), 403, 'InvalidAccessKeyId', /unknown or disabled access key/);
    await expect(link('channel002/index.m3u8', { ak: 'DISABLED', secret: 'disabled-secret' }), 403, 'InvalidAccessKeyId', /unknown or disabled/);
    await expect(link('channel002/index.m3u8', { ak: 'PUSHONLY', secret: 'push-secret' }), 403, 'InvalidAccessKeyId', /unknown or disabled/);
    await expect(link('channel002/index.m3u8', { ak: 'SCOPEDKEY', secret: 'scoped-secret' }), 403, 'AccessDenied', /access key does not cover rtmptest1\/channel002/);
    await expect('/rtmptest1/channel002/index.m3u8', 403, 'AccessDenied', /signed link required/);
    await expect(link('channel002/1796333742745.ts'), 404, 'NoSuchKey', /no such object: rtmptest1\/channel002\/1796333742745.ts/);
    await expect(link('channel002/1796333742745.ts', { bucket: 'nobucket' }), 404, 'NoSuchBucket', /no such bucket/);
    const res = await t.req(link('channel002/1796333742745.ts'));
    assert.equal(res.headers.get('cache-control'), 'max-age=2');
  });

  it('answers a CORS preflight without a signature', async () => {
    const res = await t.req('/rtmptest1/channel002/1796333742744.ts', { method: 'OPTIONS', headers: { origin: 'http://player.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' } });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-headers')!, /Range/);
    assert.match(res.headers.get('access-control-allow-methods')!, /GET, HEAD/);
  });

  it('accepts a V4 link from the AWS SDK presigner and rewrites the playlist until its expiry', async () => {
    const client = new S3Client({ endpoint: 'http://localhost', region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: AK, secretAccessKey: SECRET } });
    const url = new URL(await getSignedUrl(client, new GetObjectCommand({ Bucket: 'rtmptest1', Key: 'channel002/index.m3u8' }), { expiresIn: 300 }));
    const res = await t.req(url.pathname + url.search);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const expires = Math.floor(Date.parse(url.searchParams.get('X-Amz-Date')!.replace(/(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z/, '$1-$2-$3T$4:$5:$6Z')) / 1000) + 300;
    assert.ok(text.includes(`/rtmptest1/channel002/1796333742744.ts?AWSAccessKeyId=${AK}&Expires=${expires}&Signature=`), text);
    const seg = text.split('\n').find((l) => l.startsWith('/'))!;
    assert.equal((await t.req(seg)).status, 200);
  });

  it('costs one storage read however many viewers ask at once', async () => {
    await t.storage.put('rtmptest1', 'channel002/1796333750000.ts', segBody, { contentType: 'video/mp2t' });
    const l = link('channel002/1796333750000.ts');
    const before = t.calls.filter((c) => c === 'get').length;
    const all = await Promise.all(Array.from({ length: 200 }, () => t.req(l)));
    assert.ok(all.every((r) => r.status === 200));
    await Promise.all(Array.from({ length: 50 }, () => t.req(l, { headers: { range: 'bytes=0-187' } })));
    assert.equal(t.calls.filter((c) => c === 'get').length - before, 1);
  });

  it('echoes only listed origins when CORS_ORIGINS is a list', async () => {
    const u = setup({ CORS_ORIGINS: 'http://a.example, http://b.example' });
    const r1 = await u.req('/rtmptest1/channel002/index.m3u8', { headers: { origin: 'http://b.example' } });
    assert.equal(r1.status, 403);
    assert.equal(r1.headers.get('access-control-allow-origin'), 'http://b.example');
    assert.equal(r1.headers.get('vary'), 'Origin');
    const r2 = await u.req('/rtmptest1/channel002/index.m3u8', { headers: { origin: 'http://c.example' } });
    assert.equal(r2.headers.get('access-control-allow-origin'), null);
  });
});
