/**
 * OSS API routes through app.request() (no sockets) on a real SQLite, the real local-disk store
 * and the real recorder (idle): every refusal is an OSS <Error> with the documented code and
 * status, and plain object GETs are left to playback.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { loadConfig } from '../../app/config/config.ts';
import { openDb } from '../../db/index.ts';
import { createKey, setKeyEnabled } from '../../db/repos/keys.ts';
import { getChannel } from '../../db/repos/channels.ts';
import { createLocalDiskStorage } from '../../app/storage/local-disk.ts';
import { createRecorder } from '../../app/segmenter/recorder.ts';
import { mountOssApi } from '../../app/http/oss/index.ts';
import { mountPlayback } from '../../app/playback/index.ts';
import { ossSignature, ossStringToSign } from '../../app/core/oss/sign.ts';
import { parseQuery } from '../../app/core/signing/query.ts';
import type { AppDeps } from '../../app/http/deps.ts';

const BODY = '<LiveChannelConfiguration><Target><Type>HLS</Type><FragDuration>2</FragDuration><FragCount>3</FragCount></Target></LiveChannelConfiguration>';

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oss-unit-'));
  const config = loadConfig({ DATA_DIR: dir, OSS_BASE_HOST: 'oss.test' });
  const db = openDb(':memory:');
  const storage = createLocalDiskStorage(path.join(dir, 'objects'));
  const recorder = createRecorder({ db, ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', spoolDir: path.join(dir, 'spool'), spoolMaxBytes: 1 << 30, onSegmentRecorded() {}, onSessionEnded() {} });
  const deps = { config, db, storage, recorder } as unknown as AppDeps;
  const app = new Hono();
  mountOssApi(app, deps);
  mountPlayback(app, deps);
  const req = (target: string, init: RequestInit = {}) => app.request(`http://127.0.0.1${target}`, init, { incoming: { url: target } });
  return { db, req };
}

type Signed = { method?: string; body?: string; secret?: string; id?: string; date?: string; headers?: Record<string, string>; dateHeader?: 'date' | 'x-oss-date' };

describe('OSS API routes', () => {
  let t: ReturnType<typeof setup>;
  let key: { id: string; secret: string };
  const signed = (target: string, o: Signed = {}) => {
    const method = o.method ?? 'GET';
    const [p, q = ''] = target.split('?');
    const date = o.date ?? new Date().toUTCString();
    // a string body would otherwise get "text/plain;charset=UTF-8" from the Request, unsigned
    const headers: Record<string, string> = { [o.dateHeader ?? 'date']: date, ...(o.body !== undefined ? { 'content-type': 'application/xml' } : {}), ...(o.headers ?? {}) };
    const query = parseQuery(q);
    assert.ok(query.ok);
    const sts = ossStringToSign({ method, contentMd5: headers['content-md5'], contentType: headers['content-type'], date, headers: Object.entries(headers), resource: p!, query: query.params });
    headers.authorization = `OSS ${o.id ?? key.id}:${ossSignature(o.secret ?? key.secret, sts)}`;
    return t.req(target, { method, headers, body: o.body });
  };
  const code = async (r: Response) => /<Code>([^<]+)<\/Code>/.exec(await r.text())?.[1];

  before(() => {
    t = setup();
    key = createKey(t.db);
  });

  it('path style PUT with a Date header creates the channel; x-oss-date works too', async () => {
    const r = await signed('/bk1/cam?live', { method: 'PUT', body: BODY });
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(r.headers.get('content-type'), 'application/xml');
    assert.match(r.headers.get('x-oss-request-id') ?? '', /^[0-9A-F]{24}$/);
    assert.match(await r.text(), /<PublishUrls><Url>rtmp:\/\/127\.0\.0\.1:1935\/live\/cam\?Bucket=bk1<\/Url><\/PublishUrls>/);
    assert.equal(getChannel(t.db, 'bk1', 'cam')!.fragDuration, 2);
    assert.equal((await signed('/bk1/cam?live', { dateHeader: 'x-oss-date' })).status, 200);
    const md5 = createHash('md5').update(BODY).digest('base64');
    assert.equal((await signed('/bk1/cam2?live', { method: 'PUT', body: BODY, headers: { 'content-md5': md5, 'content-type': 'application/xml' } })).status, 200);
  });

  it('plain object GETs stay with playback; reserved paths with ?live stay with their mounts', async () => {
    const r = await t.req('/bk1/cam/playlist.m3u8');
    assert.equal(r.headers.get('x-oss-request-id'), null);
    assert.equal(r.status, 403);
    const api = await t.req('/api/thing?live');
    assert.equal(api.headers.get('x-oss-request-id'), null);
    assert.equal(api.status, 404);
  });

  it('refusals carry OSS codes and statuses', async () => {
    const old = new Date(Date.now() - 20 * 60_000).toUTCString();
    const wrongMd5 = createHash('md5').update('other').digest('base64');
    const other = createKey(t.db, { scope: 'elsewhere' });
    const reader = createKey(t.db, { canPush: false });
    const off = createKey(t.db);
    setKeyEnabled(t.db, off.id, false);
    const cases: [string, Response | Promise<Response>, number, string][] = [
      ['anonymous', t.req('/bk1/cam?live'), 403, 'AccessDenied'],
      ['skewed Date', signed('/bk1/cam?live', { date: old }), 403, 'RequestTimeTooSkewed'],
      ['no Date', t.req('/bk1/cam?live', { headers: { authorization: `OSS ${key.id}:AAAA` } }), 403, 'AccessDenied'],
      ['malformed Authorization', t.req('/bk1/cam?live', { headers: { authorization: 'OSS nocolon', date: new Date().toUTCString() } }), 400, 'InvalidArgument'],
      ['signature v4', t.req('/bk1/cam?live', { headers: { authorization: 'OSS4-HMAC-SHA256 Credential=x', date: new Date().toUTCString() } }), 400, 'InvalidArgument'],
      ['wrong secret', signed('/bk1/cam?live', { secret: 'not-the-secret' }), 403, 'SignatureDoesNotMatch'],
      ['unknown key', signed('/bk1/cam?live', { id: 'NOPE12345' }), 403, 'InvalidAccessKeyId'],
      ['disabled key', signed('/bk1/cam?live', { id: off.id, secret: off.secret }), 403, 'InvalidAccessKeyId'],
      ['out of scope', signed('/bk1/cam?live', { id: other.id, secret: other.secret }), 403, 'AccessDenied'],
      ['read-only key writing', signed('/bk1/cam?live&status=disabled', { method: 'PUT', id: reader.id, secret: reader.secret }), 403, 'AccessDenied'],
      ['read-only key reading a missing channel', signed('/bk1/none?live', { id: reader.id, secret: reader.secret }), 404, 'NoSuchLiveChannel'],
      ['expired query signature', t.req(`/bk1/cam?live&OSSAccessKeyId=${key.id}&Expires=1000&Signature=x`), 403, 'AccessDenied'],
      ['Content-MD5 mismatch', signed('/bk1/cam?live', { method: 'PUT', body: BODY, headers: { 'content-md5': wrongMd5 } }), 400, 'InvalidDigest'],
      ['malformed XML', signed('/bk1/cam?live', { method: 'PUT', body: '<LiveChannelConfiguration><Target>' }), 400, 'MalformedXML'],
      ['body over 64 KB', signed('/bk1/cam?live', { method: 'PUT', body: BODY.replace('<Target>', `<Description>${'x'.repeat(70_000)}</Description><Target>`) }), 400, 'EntityTooLarge'],
      ['FragCount 0', signed('/bk1/cam?live', { method: 'PUT', body: BODY.replace('<FragCount>3', '<FragCount>0') }), 400, 'InvalidArgument'],
      ['max-keys 0', signed('/bk1/?live&max-keys=0'), 400, 'InvalidArgument'],
      ['max-keys 1001', signed('/bk1/?live&max-keys=1001'), 400, 'InvalidArgument'],
      ['DELETE on the bucket', signed('/bk1/?live', { method: 'DELETE' }), 405, 'MethodNotAllowed'],
      ['bad channel name', signed('/bk1/a.b?live'), 400, 'InvalidArgument'],
      ['bad status', signed('/bk1/cam?live&status=paused', { method: 'PUT' }), 400, 'InvalidArgument'],
      ['bad comp', signed('/bk1/cam?live&comp=xyz'), 400, 'InvalidArgument'],
      ['bad bucket', signed('/B!/cam?live'), 400, 'InvalidBucketName'],
      ['VOD range reversed', signed('/bk1/cam?vod&startTime=200&endTime=100'), 400, 'InvalidArgument'],
      ['VOD without range', signed('/bk1/cam?vod'), 400, 'InvalidArgument'],
      ['VOD with no segments', signed('/bk1/cam/v.m3u8?vod&startTime=100&endTime=200', { method: 'POST' }), 400, 'InvalidArgument'],
      ['VOD of a missing channel', signed('/bk1/none?vod&startTime=100&endTime=200'), 404, 'NoSuchLiveChannel'],
    ];
    for (const [what, p, status, c] of cases) {
      const r = await p;
      assert.equal(r.status, status, what);
      assert.equal(await code(r), c, what);
    }
  });

  it('disable, stat, history and delete on an idle channel', async () => {
    assert.equal((await signed('/bk1/cam?live&status=disabled', { method: 'PUT' })).status, 200);
    assert.match(await (await signed('/bk1/cam?live&comp=stat')).text(), /<LiveChannelStat><Status>Disabled<\/Status><\/LiveChannelStat>/);
    assert.match(await (await signed('/bk1/cam?live&comp=history')).text(), /<LiveChannelHistory><\/LiveChannelHistory>/);
    assert.equal((await signed('/bk1/cam?live', { method: 'DELETE' })).status, 204);
    assert.equal(getChannel(t.db, 'bk1', 'cam'), undefined);
    const list = await (await signed('/bk1/?live')).text();
    assert.match(list, /<MaxKeys>100<\/MaxKeys><IsTruncated>false<\/IsTruncated><LiveChannel><Name>cam2<\/Name>/);
    // a key scoped to one channel lists only that one
    for (const n of ['cam3', 'cam4']) assert.equal((await signed(`/bk1/${n}?live`, { method: 'PUT', body: BODY })).status, 200);
    const one = createKey(t.db, { scope: 'bk1/cam3' });
    const scoped = await (await signed('/bk1/?live&max-keys=1', { id: one.id, secret: one.secret })).text();
    assert.deepEqual([...scoped.matchAll(/<Name>([^<]+)<\/Name>/g)].map((m) => m[1]), ['cam3']);
    assert.match(scoped, /<IsTruncated>false<\/IsTruncated>/);
    const all = await (await signed('/bk1/?live&max-keys=2')).text();
    assert.deepEqual([...all.matchAll(/<Name>([^<]+)<\/Name>/g)].map((m) => m[1]), ['cam2', 'cam3']);
    assert.match(all, /<IsTruncated>true<\/IsTruncated><NextMarker>cam3<\/NextMarker>/);
  });
});
