/**
 * VOD from a time range: exact playlist text from index fixtures, the seed's vod.m3u8 URIs,
 * every refusal, storing (local disk), the JSON API (app.request) and the rebuild from a bucket.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { openDb, type Db } from '../../db/index.ts';
import { upsertChannel } from '../../db/repos/channels.ts';
import { openSession } from '../../db/repos/sessions.ts';
import { insertSegment, liveWindow, segmentsInRange } from '../../db/repos/segments.ts';
import { createKey, setKeyEnabled } from '../../db/repos/keys.ts';
import { listVodPlaylists } from '../../db/repos/vod-playlists.ts';
import { buildVodPlaylist, isCut, type VodSegment } from '../../app/core/playlist/vod.ts';
import { checkVodRange } from '../../app/core/vod-range.ts';
import { parseQuery, signV2, verifyV2 } from '../../app/core/signing/index.ts';
import { parsePlaylist } from '../../app/core/playlist/m3u8.ts';
import { buildVod, MAX_EXPIRES_IN_SEC, type VodDeps, type VodRequest } from '../../app/vod/build.ts';
import { mountVodApi } from '../../app/vod/api.ts';
import { rebuildIndex } from '../../app/vod/rebuild.ts';
import { createLocalDiskStorage, type Storage } from '../../app/storage/index.ts';

const T0 = 1_700_000_000_000; // 2023-11-14T22:13:20Z
const EXPECTED = `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-TARGETDURATION:7
#EXT-X-MEDIA-SEQUENCE:0
#EXTINF:2.000,
1700000000000.ts
#EXTINF:2.000,
1700000002000.ts
#EXTINF:2.000,
1700000004000.ts
#EXTINF:2.000,
1700000006000.ts
#EXTINF:2.000,
1700000008000.ts
#EXTINF:2.000,
1700000010000.ts
#EXTINF:2.000,
1700000012000.ts
#EXTINF:2.000,
1700000014000.ts
#EXTINF:2.000,
1700000016000.ts
#EXTINF:6.001,
1700000018000.ts
#EXTINF:2.000,
1700000024001.ts
#EXTINF:2.000,
1700000026001.ts
#EXTINF:2.000,
1700000028001.ts
#EXTINF:2.000,
1700000030001.ts
#EXTINF:2.000,
1700000032001.ts
#EXTINF:2.000,
1700000034001.ts
#EXTINF:2.000,
1700000036001.ts
#EXTINF:2.000,
1700000038001.ts
#EXTINF:2.000,
1700000040001.ts
#EXTINF:2.000,
1700000042001.ts
#EXTINF:2.000,
1700000044001.ts
#EXTINF:2.000,
1700000046001.ts
#EXTINF:2.000,
1700000048001.ts
#EXTINF:2.000,
1700000050001.ts
#EXTINF:2.000,
1700000052001.ts
#EXTINF:2.000,
1700000054001.ts
#EXTINF:2.000,
1700000056001.ts
#EXTINF:2.000,
1700000058001.ts
#EXTINF:2.000,
1700000060001.ts
#EXTINF:2.000,
1700000062001.ts
#EXT-X-DISCONTINUITY
#EXTINF:2.000,
1700000100000.ts
#EXTINF:2.000,
1700000102000.ts
#EXTINF:2.000,
1700000104000.ts
#EXTINF:2.000,
1700000106000.ts
#EXTINF:2.000,
1700000108000.ts
#EXT-X-ENDLIST
`;

/** session 1: 30 segments of 2 s, the 10th 6.001 s; 36 s later session 2: 5 of 2 s; then one still spooled */
function fixture(db: Db) {
  const ch = upsertChannel(db, 'vodtest', 'cam1').channel;
  const s1 = openSession(db, { channelId: ch.id, remoteAddr: '127.0.0.1', playlistName: 'playlist.m3u8', targetDuration: 8, now: T0 });
  const s2 = openSession(db, { channelId: ch.id, remoteAddr: '127.0.0.1', playlistName: 'live2.m3u8', targetDuration: 8, now: T0 + 99_000 });
  let seq = 0;
  const add = (sessionId: number, discSeq: number, startMs: number, durationMs: number, state: 'stored' | 'spooled' = 'stored') =>
    insertSegment(db, { channelId: ch.id, sessionId, seq: seq++, discSeq, key: `cam1/${startMs}.ts`, startMs, durationMs, size: 1000, state, spoolPath: state === 'spooled' ? '/tmp/x.ts' : null });
  let t = T0;
  for (let i = 0; i < 30; i++) {
    const d = i === 9 ? 6001 : 2000;
    add(s1.id, 0, t, d);
    t += d;
  }
  t = T0 + 100_000;
  for (let i = 0; i < 5; i++, t += 2000) add(s2.id, 1, t, 2000);
  add(s2.id, 1, t, 2000, 'spooled');
  return ch;
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'vod-unit-'));

describe('VOD playlist from the index', () => {
  let db: Db;
  let storage: Storage;
  let deps: VodDeps;
  const req = (o: Partial<VodRequest> = {}): VodRequest => ({
    bucket: 'vodtest', channel: 'cam1', startSec: 1_700_000_000, endSec: 1_700_000_110, store: false, uris: { kind: 'relative' }, ...o,
  });
  before(async () => {
    db = openDb(':memory:');
    storage = createLocalDiskStorage(tmp());
    await storage.ensureBucket('vodtest');
    deps = { db, storage, publicHttpBase: 'http://gw.example:8080', maxRangeSec: 86400, s3: { endpoint: 'http://10.254.3.68', accessKeyId: 'yly', secretAccessKey: 'yly' } };
    fixture(db);
  });
  after(() => db.$client.close());

  it('two sessions separated by a gap: exact text, 35 entries, one discontinuity, TARGETDURATION 7, ENDLIST last', async () => {
    const r = await buildVod(deps, req());
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.playlist, EXPECTED);
    assert.equal(r.segments, 35);
    assert.equal(r.discontinuities, 1);
    assert.equal(r.pending, 1, 'the spooled segment is left out and counted');
    assert.equal(r.durationMs, 34 * 2000 + 6001);
    assert.equal(r.key, undefined);
    assert.equal(r.playlist.trimEnd().split('\n').at(-1), '#EXT-X-ENDLIST');
    const p = parsePlaylist(r.playlist);
    assert.ok(p.ok);
    assert.equal(p.playlist.entries.length, 35);
    assert.equal(p.playlist.targetDuration, 7);
  });

  it('range bounds are whole seconds, inclusive at both ends', async () => {
    const r = await buildVod(deps, req({ startSec: 1_700_000_018, endSec: 1_700_000_024 }));
    assert.ok(r.ok);
    assert.deepEqual(parsePlaylist(r.playlist).ok && (parsePlaylist(r.playlist) as { playlist: { entries: { uri: string }[] } }).playlist.entries.map((e) => e.uri),
      ['1700000018000.ts', '1700000024001.ts']);
    assert.match(r.playlist, /#EXT-X-TARGETDURATION:7\n/);
    const r2 = await buildVod(deps, req({ startSec: '1700000020', endSec: '1700000023' }));
    assert.ok(!r2.ok && r2.code === 'empty' && r2.status === 404);
  });

  it('refuses with a reason', async () => {
    const cases: [Partial<VodRequest>, number, string, RegExp][] = [
      [{ endSec: 1_700_000_000 }, 400, 'end-before-start', /end \(1700000000\) must be after start/],
      [{ endSec: 1_699_999_000 }, 400, 'end-before-start', /must be after start/],
      [{ endSec: 1_700_086_401 }, 400, 'range-too-long', /86401 s is longer than the limit of 86400 s \(VOD_MAX_RANGE_SEC\)/],
      [{ startSec: 1_700_000_000_000, endSec: 1_700_000_110_000 }, 400, 'milliseconds', /start 1700000000000 looks like milliseconds: give unix seconds \(1700000000\)/],
      [{ endSec: '17000001100' }, 400, 'milliseconds', /end 17000001100 looks like milliseconds/],
      [{ startSec: '-5' }, 400, 'bad-time', /start must be whole unix seconds/],
      [{ startSec: 1.5 }, 400, 'bad-time', /start must be whole unix seconds/],
      [{ channel: 'nope' }, 404, 'unknown-channel', /no channel vodtest\/nope/],
      [{ channel: '../x' }, 400, 'bad-name', /invalid channel name/],
      [{ startSec: 1_600_000_000, endSec: 1_600_000_100 }, 404, 'empty', /no stored segments of vodtest\/cam1 start in \[1600000000, 1600000100\]/],
      [{ startSec: 1_700_000_110, endSec: 1_700_000_115 }, 404, 'empty', /\[1700000110, 1700000115\] \(1 still uploading: try again shortly\)/],
      [{ store: true, name: 'a/b.m3u8' }, 400, 'bad-name', /invalid playlist name 'a\/b.m3u8'/],
      [{ store: true, name: 'vod.m3u' }, 400, 'bad-name', /ending in .m3u8/],
      [{ store: true, name: 'playlist.m3u8' }, 409, 'name-taken', /playlist.m3u8 is a live playlist/],
      [{ store: true, name: 'live2.m3u8' }, 409, 'name-taken', /live playlist/],
      [{ uris: { kind: 'signed', base: 'http://gw.example:8080', expiresInSec: 60 } }, 400, 'key-required', /give a key id/],
      [{ uris: { kind: 'signed', expiresInSec: 60, keyId: 'NOSUCHKEY' } }, 400, 'unknown-key', /unknown access key 'NOSUCHKEY'/],
      [{ uris: { kind: 'signed', expiresInSec: 0 } }, 400, 'bad-expires', /expires-in must be whole seconds/],
      [{ uris: { kind: 'signed', expiresInSec: MAX_EXPIRES_IN_SEC + 1 } }, 400, 'bad-expires', /expires-in/],
      [{ uris: { kind: 'signed', base: 'ftp://x', expiresInSec: 60 } }, 400, 'bad-base', /plain http\(s\) URL/],
      [{ uris: { kind: 'signed', base: 'not a url', expiresInSec: 60 } }, 400, 'bad-base', /base must be a URL/],
    ];
    for (const [o, status, code, reason] of cases) {
      const r = await buildVod(deps, req(o));
      assert.ok(!r.ok, `${JSON.stringify(o)} should be refused`);
      assert.equal(r.code, code, JSON.stringify(o));
      assert.equal(r.status, status, JSON.stringify(o));
      assert.match(r.reason, reason);
    }
    // without S3 settings every signed link needs a gateway key
    const noS3 = await buildVod({ ...deps, s3: undefined }, req({ uris: { kind: 'signed', expiresInSec: 60 } }));
    assert.ok(!noS3.ok && noS3.code === 'key-required');
    createKey(db, { id: 'DISABLEDKEY', secret: 'disabled-secret' });
    setKeyEnabled(db, 'DISABLEDKEY', false);
    const dis = await buildVod(deps, req({ uris: { kind: 'signed', expiresInSec: 60, keyId: 'DISABLEDKEY' } }));
    assert.ok(!dis.ok && dis.code === 'key-disabled');
    createKey(db, { id: 'OTHERBUCKET', secret: 'other-secret', scope: 'otherbucket' });
    const sc = await buildVod(deps, req({ uris: { kind: 'signed', expiresInSec: 60, keyId: 'OTHERBUCKET' } }));
    assert.ok(!sc.ok && sc.code === 'key-scope');
  });

  it('signed mode with a gateway key (the seed pair): exact URL, signature = signV2, verifies', async () => {
    createKey(db, { id: 'GVXDWEABA4CO2DSA2CPH', secret: 'lhV5DfiUPoNKL1IeF6BwUEuFXobEFmuz1iuw03XB' });
    const now = 2_165_554_749_000 - 3600_000;
    const r = await buildVod({ ...deps, now: () => now }, req({ uris: { kind: 'signed', base: 'http://gw.example:8080/', expiresInSec: 3600, keyId: 'GVXDWEABA4CO2DSA2CPH' } }));
    assert.ok(r.ok);
    const lines = r.playlist.split('\n');
    const url = lines[lines.indexOf('#EXTINF:6.001,') + 1]!;
    const sig = signV2('lhV5DfiUPoNKL1IeF6BwUEuFXobEFmuz1iuw03XB', 2165554749, 'vodtest', 'cam1/1700000018000.ts');
    assert.equal(url, `http://gw.example:8080/vodtest/cam1/1700000018000.ts?AWSAccessKeyId=GVXDWEABA4CO2DSA2CPH&Expires=2165554749&Signature=${encodeURIComponent(sig).replace(/%2F/g, '/')}`);
    const q = parseQuery(url.slice(url.indexOf('?')));
    assert.ok(q.ok);
    assert.equal(q.params.get('Signature'), sig);
    const v = verifyV2({ params: q.params, bucket: 'vodtest', key: 'cam1/1700000018000.ts', method: 'GET', nowSec: 2165554000, secretFor: (ak) => (ak === 'GVXDWEABA4CO2DSA2CPH' ? 'lhV5DfiUPoNKL1IeF6BwUEuFXobEFmuz1iuw03XB' : undefined) });
    assert.deepEqual(v, { ok: true, accessKeyId: 'GVXDWEABA4CO2DSA2CPH' });
    assert.equal(lines.filter((l) => l.startsWith('http://gw.example:8080/vodtest/cam1/')).length, 35);
  });

  it('stores <channel>/<name> with Content-Type application/x-mpegURL and records it', async () => {
    const r = await buildVod(deps, req({ store: true, name: 'day1.m3u8' }));
    assert.ok(r.ok);
    assert.equal(r.key, 'cam1/day1.m3u8');
    const obj = await storage.get('vodtest', 'cam1/day1.m3u8');
    assert.equal(new TextDecoder().decode(obj.body), EXPECTED);
    assert.equal(obj.contentType, 'application/x-mpegURL');
    const again = await buildVod(deps, req({ store: true, name: 'day1.m3u8', startSec: 1_700_000_100 }));
    assert.ok(again.ok && again.segments === 5);
    const rows = listVodPlaylists(db, 1);
    assert.deepEqual(rows.map((x) => [x.name, x.startS, x.endS, x.segments]), [['day1.m3u8', 1_700_000_100, 1_700_000_110, 5]]);
    const d = await buildVod(deps, req({ store: true }));
    assert.ok(d.ok && d.key === 'cam1/vod-1700000000-1700000110.m3u8');
  });
});

describe('the seed\'s vod.m3u8', () => {
  it('reproduces every segment URI of the seed byte for byte (S3 credentials, base = S3 endpoint)', async () => {
    const db = openDb(':memory:');
    const ch = upsertChannel(db, 'rtmp', 'channel002').channel;
    const seed: [number, number][] = [
      [1535251714336, 5000], [1535251719320, 4000], [1535251723315, 3680], [1535251727016, 2080], [1535251729081, 3640],
      [1535251732720, 2080], [1535251734812, 3280], [1535251738091, 2680], [1535251740757, 2120], [1535251742895, 3200],
    ];
    seed.forEach(([startMs, durationMs], seq) =>
      insertSegment(db, { channelId: ch.id, sessionId: null, seq, discSeq: 0, key: `channel002/${startMs}.ts`, startMs, durationMs, size: 1, state: 'stored', spoolPath: null }));
    const deps: VodDeps = {
      db, storage: createLocalDiskStorage(tmp()), publicHttpBase: 'http://127.0.0.1:8080', maxRangeSec: 86400,
      s3: { endpoint: 'http://10.254.3.68', accessKeyId: 'yly', secretAccessKey: 'yly' }, now: () => (2166135917 - 630_720_000) * 1000,
    };
    const r = await buildVod(deps, { bucket: 'rtmp', channel: 'channel002', startSec: 1535251714, endSec: 1535251746, store: false, uris: { kind: 'signed', expiresInSec: 630_720_000 } });
    assert.ok(r.ok);
    assert.equal(r.playlist, `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-TARGETDURATION:5
#EXT-X-MEDIA-SEQUENCE:0
#EXTINF:5.000,
http://10.254.3.68/rtmp/channel002/1535251714336.ts?AWSAccessKeyId=yly&Expires=2166135917&Signature=i2UsXTCqqXrG7bYIgjkudsjGzI8%3D
#EXTINF:4.000,
http://10.254.3.68/rtmp/channel002/1535251719320.ts?AWSAccessKeyId=yly&Expires=2166135917&Signature=nIUnQut2OyZfSsi7YYTU9cTbzsk%3D
#EXTINF:3.680,
http://10.254.3.68/rtmp/channel002/1535251723315.ts?AWSAccessKeyId=yly&Expires=2166135917&Signature=p2KT5jgZlf8jiWhrb%2BDVvHxdZzc%3D
#EXTINF:2.080,
http://10.254.3.68/rtmp/channel002/1535251727016.ts?AWSAccessKeyId=yly&Expires=2166135917&Signature=m3G3%2BB0eZWhaTGsNbOcvg12d8B8%3D
#EXTINF:3.640,
http://10.254.3.68/rtmp/channel002/1535251729081.ts?AWSAccessKeyId=yly&Expires=2166135917&Signature=bnmCWJNt4xf9J6Ly5%2BIteXF2n4Y%3D
#EXTINF:2.080,
http://10.254.3.68/rtmp/channel002/1535251732720.ts?AWSAccessKeyId=yly&Expires=2166135917&Signature=HeQCZVs85yJB1ufOoXLlfKmMJIA%3D
#EXTINF:3.280,
http://10.254.3.68/rtmp/channel002/1535251734812.ts?AWSAccessKeyId=yly&Expires=2166135917&Signature=G/xISnCGZSU%2BqDtPKCm9Z8qnL8I%3D
#EXTINF:2.680,
http://10.254.3.68/rtmp/channel002/1535251738091.ts?AWSAccessKeyId=yly&Expires=2166135917&Signature=Qkw1UABHI0f60CMCNKwPYX89otY%3D
#EXTINF:2.120,
http://10.254.3.68/rtmp/channel002/1535251740757.ts?AWSAccessKeyId=yly&Expires=2166135917&Signature=nZlJyC8wiIpnkNuM7j%2BCoNK4pRQ%3D
#EXTINF:3.200,
http://10.254.3.68/rtmp/channel002/1535251742895.ts?AWSAccessKeyId=yly&Expires=2166135917&Signature=jw7ogx2f1IzVWaKkhlEAcB0ovOs%3D
#EXT-X-ENDLIST
`);
    assert.equal(r.discontinuities, 0, 'the seed\'s real timestamps jitter by up to 21 ms: no cut');
    db.$client.close();
  });
});

describe('pure parts', () => {
  const seg = (startMs: number, durationMs: number, sessionId: number | null): VodSegment => ({ startMs, durationMs, sessionId, key: `c/${startMs}.ts` });
  it('isCut: other session, or more than 1 s gap/overlap', () => {
    assert.equal(isCut(seg(0, 2000, 1), seg(2000, 2000, 2)), true, 'new session without a gap');
    assert.equal(isCut(seg(0, 2000, 1), seg(3000, 2000, 1)), false, '1 s gap is tolerated');
    assert.equal(isCut(seg(0, 2000, 1), seg(3001, 2000, 1)), true, 'gap > 1 s');
    assert.equal(isCut(seg(0, 2000, null), seg(3001, 2000, null)), true, 'rebuilt rows: gap only');
    assert.equal(isCut(seg(0, 2000, null), seg(2000, 2000, 7)), false, 'unknown session, continuous');
    assert.equal(isCut(seg(5000, 2000, 1), seg(5500, 2000, 1)), true, 'overlap: the clock jumped back');
    assert.equal(isCut({ ...seg(0, 2000, 1), discSeq: 3 }, { ...seg(2000, 2000, 1), discSeq: 4 }), true, 'segmenter restarted in the session');
    assert.equal(isCut({ ...seg(0, 2000, 1), discSeq: 3 }, { ...seg(2000, 2000, 1), discSeq: 3 }), false);
  });
  it('TARGETDURATION is the ceil of the longest EXTINF as written', () => {
    const p = (ms: number) => buildVodPlaylist([seg(0, ms, 1)], { kind: 'relative' }).split('\n')[3];
    assert.equal(p(6000), '#EXT-X-TARGETDURATION:6');
    assert.equal(p(6000.4), '#EXT-X-TARGETDURATION:6');
    assert.equal(p(6001), '#EXT-X-TARGETDURATION:7');
  });
  it('checkVodRange', () => {
    assert.deepEqual(checkVodRange('1535251714', 1535251746, 86400), { ok: true, startSec: 1535251714, endSec: 1535251746 });
    assert.equal(checkVodRange(0, 86400, 86400).ok, true, 'exactly the limit is allowed');
    assert.equal(checkVodRange(9_999_999_998, 9_999_999_999, 86400).ok, true, 'year 2286 still seconds');
  });
});

describe('JSON API POST /api/vod (app.request)', () => {
  const db = openDb(':memory:');
  const storage = createLocalDiskStorage(tmp());
  before(() => storage.ensureBucket('vodtest'));
  fixture(db);
  const app = new Hono();
  mountVodApi(app, { db, storage, config: { publicHttpBase: 'http://127.0.0.1:8080', vodMaxRangeSec: 86400, s3: undefined } });
  const post = (body: unknown, raw?: string) =>
    app.request('/api/vod', { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) });
  after(() => db.$client.close());

  it('returns the playlist without storing', async () => {
    const res = await post({ bucket: 'vodtest', channel: 'cam1', start: 1_700_000_000, end: 1_700_000_110 });
    assert.equal(res.status, 200);
    const j = await res.json() as Record<string, unknown>;
    assert.equal(j.playlist, EXPECTED);
    assert.equal(j.segments, 35);
    assert.equal(j.duration, 74.001);
    assert.equal(j.key, undefined);
  });
  it('stores when named, signs with a key', async () => {
    createKey(db, { id: 'APIKEY123', secret: 'api-secret-123' });
    const res = await post({ bucket: 'vodtest', channel: 'cam1', start: '1700000100', end: '1700000110', name: 'tail.m3u8', signed: { expiresIn: 600, keyId: 'APIKEY123' } });
    assert.equal(res.status, 200);
    const j = await res.json() as { key: string; playlist: string; segments: number };
    assert.equal(j.key, 'cam1/tail.m3u8');
    assert.equal(j.segments, 5);
    assert.match(j.playlist, /^http:\/\/127\.0\.0\.1:8080\/vodtest\/cam1\/1700000100000\.ts\?AWSAccessKeyId=APIKEY123&Expires=\d{10}&Signature=/m);
    assert.equal((await storage.head('vodtest', 'cam1/tail.m3u8')).contentType, 'application/x-mpegURL');
  });
  it('refusals are 4xx JSON with a reason', async () => {
    const cases: [unknown, string | undefined, number, string][] = [
      [undefined, '{nope', 400, 'bad-json'],
      [[1], undefined, 400, 'bad-request'],
      [{ bucket: 'vodtest', channel: 'cam1', start: 1 }, undefined, 400, 'bad-request'],
      [{ bucket: 'vodtest', channel: 'cam1', start: 1_700_000_000_000, end: 1_700_000_100_000 }, undefined, 400, 'milliseconds'],
      [{ bucket: 'vodtest', channel: 'zzz', start: 1_700_000_000, end: 1_700_000_100 }, undefined, 404, 'unknown-channel'],
      [{ bucket: 'vodtest', channel: 'cam1', start: 1_700_000_000, end: 1_700_000_100, signed: { expiresIn: 60 } }, undefined, 400, 'key-required'],
      [{ bucket: 'vodtest', channel: 'cam1', start: 1_700_000_000, end: 1_700_000_100, signed: { expiresIn: '60' } }, undefined, 400, 'bad-request'],
      [{ bucket: 'vodtest', channel: 'cam1', start: 1_700_000_000, end: 1_700_000_100, store: 'yes' }, undefined, 400, 'bad-request'],
    ];
    // over the bound without a Content-Length (a streamed, chunked body)
    const big = new ReadableStream({ start(ctl) { for (let i = 0; i < 40; i++) ctl.enqueue(new TextEncoder().encode(' '.repeat(1024))); ctl.close(); } });
    const chunked = await app.request('/api/vod', { method: 'POST', body: big, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit);
    assert.equal(chunked.status, 413);
    assert.equal(((await chunked.json()) as { error: string }).error, 'too-large');
    for (const [body, raw, status, error] of cases) {
      const res = await post(body, raw);
      assert.equal(res.status, status, JSON.stringify(body ?? raw));
      const j = await res.json() as { error: string; reason: string };
      assert.equal(j.error, error);
      assert.ok(j.reason.length > 5);
    }
  });
});

describe('index rebuild from a bucket (local disk)', () => {
  it('inserts what the index lacks in time order, a disc number per cut, skips bad objects, idempotent', async () => {
    const db = openDb(':memory:');
    const storage = createLocalDiskStorage(tmp());
    await storage.ensureBucket('rbk');
    const ch = upsertChannel(db, 'rbk', 'cam').channel;
    const put = (key: string, extinf?: string) =>
      storage.put('rbk', key, new Uint8Array(188), { contentType: 'video/mp2t', ...(extinf ? { metadata: { extinf } } : {}) });
    // run A: 4 x 2 s; run B 60 s later: 3 x 2 s; plus noise
    const a = [0, 2000, 4000, 6000].map((d) => T0 + d);
    const b = [60_000, 62_002, 64_001].map((d) => T0 + d);
    for (const t of [...b, ...a].reverse()) await put(`cam/${t}.ts`, '2.000');
    await put('cam/playlist.m3u8');
    await put('cam/123.ts', '2.000');
    await put(`cam/${T0 + 90_000}.ts`); // no extinf
    await put(`cam/${T0 + 92_000}.ts`, 'abc');
    await put(`cam2/${T0}.ts`, '2.000');
    const r1 = await rebuildIndex({ db, storage }, 'rbk', 'cam');
    assert.deepEqual({ ...r1, skipped: r1.skipped.map((s) => s.reason) }, {
      listed: 11, segmentKeys: 9, alreadyIndexed: 0, inserted: 7, listPages: 1, skipped: ['no extinf metadata', "bad extinf 'abc'"],
    });
    const rows = segmentsInRange(db, ch.id, 0, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(rows.map((s) => [s.key, s.seq, s.discSeq, s.durationMs, s.state, s.sessionId]), [
      ...a.map((t, i) => [`cam/${t}.ts`, i, 0, 2000, 'stored', null]),
      ...b.map((t, i) => [`cam/${t}.ts`, 4 + i, 1, 2000, 'stored', null]),
    ]);
    const r2 = await rebuildIndex({ db, storage }, 'rbk', 'cam');
    assert.equal(r2.inserted, 0);
    assert.equal(r2.alreadyIndexed, 7);
    // a later object after known ones starts a new disc number, like a new session would
    await put(`cam/${T0 + 200_000}.ts`, '4.500');
    const r3 = await rebuildIndex({ db, storage }, 'rbk', 'cam');
    assert.equal(r3.inserted, 1);
    const last = segmentsInRange(db, ch.id, T0 + 200_000, T0 + 200_000)[0]!;
    assert.deepEqual([last.seq, last.discSeq, last.durationMs], [7, 2, 4500]);
    await assert.rejects(rebuildIndex({ db, storage }, 'rbk', 'nochannel'), /no channel rbk\/nochannel: create it first/);
    // rebuilt rows are recordings, not live: they never enter the live playlist window
    assert.deepEqual(liveWindow(db, ch.id, 3), []);
    // and a channel being pushed to is not repaired under the encoder's feet
    openSession(db, { channelId: ch.id, remoteAddr: '127.0.0.1:1', playlistName: 'playlist.m3u8', targetDuration: 5 });
    await assert.rejects(rebuildIndex({ db, storage }, 'rbk', 'cam'), /rbk\/cam is live: rebuild its index after the push ends/);
    db.$client.close();
  });
});
