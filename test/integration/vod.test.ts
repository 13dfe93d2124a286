/**
 * Issue 4 end to end on Ceph RGW: a real ffmpeg push, a VOD for its time range (CLI and JSON API),
 * ffmpeg reading the signed-URL form straight from RGW, and an index rebuild over 1,500 objects.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { startTestGateway, setupChannel, s3Env, rgw, waitFor, uniqueBucket, type TestGateway } from '../helpers/gateway.ts';
import { push, decodeAll } from '../helpers/ffmpeg.ts';
import { parsePlaylist, type MediaPlaylist } from '../../app/core/playlist/m3u8.ts';
import { presignV2, signV2, parseQuery } from '../../app/core/signing/index.ts';
import { formatDuration } from '../../app/core/object-keys.ts';
import { getChannel } from '../../db/repos/channels.ts';
import { listVodPlaylists } from '../../db/repos/vod-playlists.ts';
import { sessions, segments, type Segment } from '../../db/schema.ts';
import { listAll, mapLimit } from '../../app/vod/rebuild.ts';
import { adminHeaders } from '../helpers/admin.ts';

const parse = (text: string): MediaPlaylist => {
  const p = parsePlaylist(text);
  assert.ok(p.ok, p.ok ? '' : p.error);
  return p.playlist;
};

function indexRows(gw: TestGateway, bucket: string, channel: string): Segment[] {
  const ch = getChannel(gw.db, bucket, channel)!;
  return gw.db.select().from(segments).where(eq(segments.channelId, ch.id)).orderBy(segments.startMs).all();
}

async function settled(gw: TestGateway, bucket: string, channel: string, nSessions: number) {
  const ch = getChannel(gw.db, bucket, channel)!;
  await waitFor('sessions closed and uploads drained', () => {
    const s = gw.db.select().from(sessions).where(eq(sessions.channelId, ch.id)).all();
    const segs = gw.db.select().from(segments).where(eq(segments.channelId, ch.id)).all();
    return s.length === nSessions && s.every((x) => x.status === 'ended') && segs.length > 0 && segs.every((x) => x.state === 'stored');
  }, 30_000);
}

async function postVod(gw: TestGateway, body: unknown) {
  const { csrf: _csrf, ...auth } = await adminHeaders(gw.db);
  const res = await gw.app.request('/api/vod', { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as { playlist: string; key?: string; segments: number; duration: number; discontinuities: number; error?: string; reason?: string } };
}

if (!rgw) it('VOD on Ceph RGW', { skip: 'TEST_S3_ENDPOINT not set (npm test starts RGW)' }, () => {});
else
  describe('VOD on Ceph RGW', () => {
    let gw: TestGateway;
    const bucket = uniqueBucket('vod');
    let key: { id: string; secret: string };
    before(async () => {
      gw = await startTestGateway(s3Env());
      key = await setupChannel(gw, bucket, 'cam1', ['--frag-duration', '2']);
    });
    after(async () => gw?.stop(5000));

    it('a VOD for the push\'s time range lists every stored segment; ffmpeg reads the signed form from RGW end to end', async () => {
      const url = await gw.cli('sign', 'push', `${bucket}/cam1`, '--key', key.id);
      const r = await push(url, 16);
      assert.equal(r.code, 0, r.stderr);
      await settled(gw, bucket, 'cam1', 1);
      const rows = indexRows(gw, bucket, 'cam1');
      assert.ok(rows.length >= 6, `${rows.length} segments for 16 s at FragDuration 2`);
      const listed = (await listAll(gw.storage, bucket, 'cam1/')).entries.map((e) => e.key).filter((k) => k.endsWith('.ts'));
      assert.deepEqual(listed, rows.map((s) => s.key), 'index and bucket agree');
      const start = String(Math.floor(r.startedAt / 1000) - 1);
      const end = String(Math.ceil(r.endedAt / 1000));

      // relative form through the real CLI, not stored
      const rel = parse(await gw.cli('vod', `${bucket}/cam1`, '--start', start, '--end', end, '--stdout'));
      assert.equal(rel.playlistType, 'VOD');
      assert.equal(rel.endList, true);
      assert.equal(rel.mediaSequence, 0);
      assert.deepEqual(rel.entries.map((e) => `cam1/${e.uri}`), listed);
      assert.deepEqual(rel.entries.map((e) => e.durationMs), rows.map((s) => s.durationMs));
      assert.equal(rel.entries.filter((e) => e.discontinuity).length, 0);
      assert.equal(rel.targetDuration, Math.ceil(Math.max(...rows.map((s) => s.durationMs)) / 1000));
      const metas = await mapLimit(listed, 8, async (k) => (await gw.storage.head(bucket, k)).metadata.extinf);
      assert.deepEqual(rel.entries.map((e) => formatDuration(e.durationMs / 1000)), metas, 'EXTINF = extinf metadata of each object');

      // signed form through the JSON API, stored; default base = the S3 endpoint, signed with the gateway's S3 credentials
      const api = await postVod(gw, { bucket, channel: 'cam1', start: Number(start), end: Number(end), name: 'vod.m3u8', signed: { expiresIn: 3600 } });
      assert.equal(api.status, 200, JSON.stringify(api.json));
      assert.equal(api.json.key, 'cam1/vod.m3u8');
      assert.equal(api.json.segments, rows.length);
      const signed = parse(api.json.playlist);
      for (const [i, e] of signed.entries.entries()) {
        const u = new URL(e.uri);
        assert.equal(`${u.origin}${u.pathname}`, `${rgw!.endpoint}/${bucket}/${listed[i]}`);
        const q = parseQuery(u.search);
        assert.ok(q.ok);
        assert.equal(q.params.get('AWSAccessKeyId'), rgw!.accessKeyId);
        assert.equal(q.params.get('Signature'), signV2(rgw!.secretAccessKey, q.params.get('Expires')!, bucket, listed[i]!));
      }
      const head = await gw.storage.head(bucket, 'cam1/vod.m3u8');
      assert.equal(head.contentType, 'application/x-mpegURL');
      const ch = getChannel(gw.db, bucket, 'cam1')!;
      assert.deepEqual(listVodPlaylists(gw.db, ch.id).map((v) => [v.name, v.startS, v.endS, v.segments]), [['vod.m3u8', Number(start), Number(end), rows.length]]);
      // one segment link opens on RGW with no other credentials
      const seg = await fetch(signed.entries[0]!.uri);
      assert.equal(seg.status, 200);
      assert.equal(new Uint8Array(await seg.arrayBuffer())[0], 0x47);

      // ffmpeg: the stored playlist by a presigned RGW link, every segment by its own signed link
      const plUrl = presignV2({ base: rgw!.endpoint, bucket, key: 'cam1/vod.m3u8', accessKeyId: rgw!.accessKeyId, secret: rgw!.secretAccessKey, expires: Math.floor(Date.now() / 1000) + 600 });
      const d = await decodeAll(plUrl);
      assert.equal(d.code, 0, d.stderr);
      assert.equal(d.stderr.trim(), '', 'no error lines');
      const sum = rows.reduce((a, s) => a + s.durationMs, 0) / 1000;
      assert.ok(Math.abs(d.durationSec - sum) <= 1, `decoded ${d.durationSec} s vs EXTINF sum ${sum} s`);

      // CLI signed for the gateway as base: needs a gateway key, and uses it
      const gwForm = parse(await gw.cli('vod', `${bucket}/cam1`, '--start', start, '--end', end, '--stdout', '--signed', '--base', gw.httpBase, '--key', key.id, '--expires-in', '600'));
      assert.ok(gwForm.entries.every((e) => e.uri.startsWith(`${gw.httpBase}/${bucket}/cam1/`) && e.uri.includes(`AWSAccessKeyId=${key.id}&`)));
      await assert.rejects(gw.cli('vod', `${bucket}/cam1`, '--start', start, '--end', end, '--stdout', '--signed', '--base', gw.httpBase), /give a key id/);
      await assert.rejects(gw.cli('vod', `${bucket}/cam1`, '--start', `${start}000`, '--end', `${end}000`), /looks like milliseconds/);
    });

    it('a second push after a pause: the VOD over both has one discontinuity and every segment', async () => {
      const first = indexRows(gw, bucket, 'cam1');
      await new Promise((res) => setTimeout(res, 2000));
      const url = await gw.cli('sign', 'push', `${bucket}/cam1`, '--key', key.id);
      const r = await push(url, 6);
      assert.equal(r.code, 0, r.stderr);
      await settled(gw, bucket, 'cam1', 2);
      const rows = indexRows(gw, bucket, 'cam1');
      const api = await postVod(gw, { bucket, channel: 'cam1', start: Math.floor(first[0]!.startMs / 1000), end: Math.ceil(r.endedAt / 1000) });
      assert.equal(api.status, 200, JSON.stringify(api.json));
      const p = parse(api.json.playlist);
      assert.deepEqual(p.entries.map((e) => `cam1/${e.uri}`), rows.map((s) => s.key));
      assert.deepEqual(p.entries.flatMap((e, i) => (e.discontinuity ? [i] : [])), [first.length]);
      assert.equal(api.json.discontinuities, 1);
    });

    it('index rebuild over 1,500 objects written straight into RGW gives the index ingest would; a second run inserts 0', async () => {
      const b2 = uniqueBucket('rebuild');
      await gw.cli('channel', 'create', `${b2}/cam9`);
      // 1,000 continuous segments, a 40 s pause (a new session), 500 more; durations vary like keyframe cuts
      const T = 1_600_000_000_000;
      const want: { key: string; startMs: number; durationMs: number; seq: number; discSeq: number }[] = [];
      let t = T;
      for (let i = 0; i < 1500; i++) {
        if (i === 1000) t += 40_000;
        const durationMs = 1960 + (i % 9) * 10;
        want.push({ key: `cam9/${t}.ts`, startMs: t, durationMs, seq: i, discSeq: i < 1000 ? 0 : 1 });
        t += durationMs;
      }
      const body = new Uint8Array(188).fill(0x47);
      await mapLimit(want, 32, (w) => gw.storage.put(b2, w.key, body, { contentType: 'video/mp2t', metadata: { extinf: formatDuration(w.durationMs / 1000) } }));
      await gw.storage.put(b2, 'cam9/playlist.m3u8', new TextEncoder().encode('#EXTM3U\n'), { contentType: 'application/x-mpegURL' });
      const listing = await listAll(gw.storage, b2, 'cam9/');
      assert.equal(listing.entries.length, 1501);
      assert.ok(listing.pages >= 2, 'more than one LIST page');

      const out1 = await gw.cli('index', 'rebuild', `${b2}/cam9`);
      assert.match(out1, /listed 1501 objects in \d+ page\(s\), 1500 segments, 0 already indexed, inserted 1500, skipped 0/);
      const rows = indexRows(gw, b2, 'cam9');
      assert.equal(rows.length, 1500);
      assert.deepEqual(rows.map((s) => ({ key: s.key, startMs: s.startMs, durationMs: s.durationMs, seq: s.seq, discSeq: s.discSeq })), want);
      assert.ok(rows.every((s) => s.state === 'stored' && s.size === 188 && s.sessionId === null));
      const ch = getChannel(gw.db, b2, 'cam9')!;
      assert.deepEqual([ch.nextSeq, ch.discSeq], [1500, 1], 'channel counters continue after the rebuilt rows');

      const out2 = await gw.cli('index', 'rebuild', `${b2}/cam9`);
      assert.match(out2, /1500 already indexed, inserted 0/);
      assert.equal(indexRows(gw, b2, 'cam9').length, 1500);

      const api = await postVod(gw, { bucket: b2, channel: 'cam9', start: T / 1000, end: Math.ceil(t / 1000) });
      assert.equal(api.status, 200);
      assert.equal(api.json.segments, 1500);
      assert.equal(api.json.discontinuities, 1);
    });
  });
