/**
 * Issue 7 end to end: the official ali-oss SDK drives the gateway's OSS LiveChannel API —
 * put/get/list (paged)/status/stat/history/createVod/delete — while a real ffmpeg pushes to the
 * URL the SDK's own getRtmpUrl signed; the playlists and segments that result are served by the
 * gateway's playback and stored in the storage (embedded disk, and Ceph RGW when configured).
 * The SDK talks to "<bucket>.oss.test:<port>" (OSS_BASE_HOST=oss.test) through an agent that
 * resolves that name to 127.0.0.1; ffmpeg connects to 127.0.0.1 and keeps the SDK's tcUrl
 * (-rtmp_tcurl), so the ingest sees the virtual host exactly as on a real deployment.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import { createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { startTestGateway, s3Env, rgw, waitFor, uniqueBucket, type TestGateway } from '../helpers/gateway.ts';
import { push } from '../helpers/ffmpeg.ts';
import { createKey } from '../../db/repos/keys.ts';
import { getChannel } from '../../db/repos/channels.ts';
import { segments, sessions } from '../../db/schema.ts';
import { parsePlaylist } from '../../app/core/playlist/m3u8.ts';
import { presignV2 } from '../../app/core/signing/index.ts';
import { ossSignature, ossStringToSign } from '../../app/core/oss/sign.ts';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const OSS = require('ali-oss') as any;

const BASE = 'oss.test';
const toLoopback = new http.Agent({
  lookup: ((_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void) => (o?.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4))) as never,
});

function sdk(gw: TestGateway, key: { id: string; secret: string }, bucket: string) {
  return new OSS({ accessKeyId: key.id, accessKeySecret: key.secret, bucket, endpoint: `http://${BASE}:${gw.httpPort}`, agent: toLoopback, timeout: 20_000 });
}

/** GET through the same name-to-loopback agent as the SDK (fetch would not keep the virtual Host) */
function httpGet(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: toLoopback }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

/** an SDK call that must fail: its OSS error code, HTTP status and request id */
async function failure(p: Promise<unknown>): Promise<{ code: string; status: number; requestId?: string; hostId?: string }> {
  try {
    await p;
  } catch (e) {
    const x = e as { code: string; status: number; requestId?: string; hostId?: string };
    return { code: x.code, status: x.status, requestId: x.requestId, hostId: x.hostId };
  }
  throw new Error('expected the call to fail');
}

function suite(label: string, env: () => Record<string, string>) {
  describe(`OSS LiveChannel API through ali-oss (${label})`, () => {
    let gw: TestGateway;
    let key: { id: string; secret: string };
    let store: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const bucket = uniqueBucket('oss');
    before(async () => {
      gw = await startTestGateway({ OSS_BASE_HOST: BASE, ...env() });
      gw.config.publicRtmpBase = gw.rtmpBase; // ports are known only once the gateway listens
      gw.config.publicHttpBase = gw.httpBase;
      key = createKey(gw.db, { description: 'oss sdk' });
      store = sdk(gw, key, bucket);
    });
    after(async () => gw?.stop(5000));

    it('putChannel / getChannel / listChannels (paged past max-keys)', async () => {
      const conf = { Description: 'lobby & hall', Status: 'enabled', Target: { Type: 'HLS', FragDuration: '2', FragCount: '3', PlaylistName: 'playlist.m3u8' } };
      const put = await store.putChannel('cam', conf);
      assert.equal(put.res.status, 200);
      assert.deepEqual(put.publishUrls, [`${gw.rtmpBase}/live/cam?Bucket=${bucket}`]);
      assert.deepEqual(put.playUrls, [`${gw.httpBase}/${bucket}/cam/playlist.m3u8`]);
      const info = await store.getChannel('cam');
      assert.deepEqual(info.data, { Description: 'lobby & hall', Status: 'enabled', Target: { Type: 'HLS', FragDuration: '2', FragCount: '3', PlaylistName: 'playlist.m3u8' } });
      const ch = getChannel(gw.db, bucket, 'cam')!;
      assert.equal(ch.fragDuration, 2);
      assert.equal(ch.description, 'lobby & hall');

      const names = ['list-0', 'list-1', 'list-2', 'list-3', 'list-4'];
      for (const n of names) await store.putChannel(n, { Target: { Type: 'HLS' } });
      const seen: string[] = [];
      let marker: string | undefined;
      let pages = 0;
      for (;;) {
        const r = await store.listChannels({ prefix: 'list-', 'max-keys': 2, ...(marker ? { marker } : {}) });
        pages += 1;
        assert.ok(r.channels.length <= 2);
        seen.push(...r.channels.map((c: { Name: string }) => c.Name));
        if (!r.isTruncated) break;
        assert.equal(r.nextMarker, r.channels.at(-1).Name);
        marker = r.nextMarker;
      }
      assert.deepEqual(seen, names);
      assert.equal(pages, 3);
      const all = await store.listChannels({});
      assert.deepEqual(all.channels.map((c: { Name: string }) => c.Name), ['cam', ...names]);
      assert.equal(all.isTruncated, false);
      const first = all.channels[0];
      assert.equal(first.Status, 'enabled');
      assert.deepEqual(first.PublishUrls, [`${gw.rtmpBase}/live/cam?Bucket=${bucket}`]);
      // path style: ali-oss with sldEnable on an IP endpoint sends /<bucket>/<channel> (and a Host under aliyuncs.com)
      const sld = new OSS({ accessKeyId: key.id, accessKeySecret: key.secret, bucket, endpoint: gw.httpBase, sldEnable: true, timeout: 20_000 });
      assert.equal((await sld.getChannel('cam')).data.Description, 'lobby & hall');
      // a fresh channel has OSS's defaults
      assert.deepEqual((await store.getChannel('list-0')).data.Target, { Type: 'HLS', FragDuration: '5', FragCount: '3', PlaylistName: 'playlist.m3u8' });
    });

    it('a wrong signature is SignatureDoesNotMatch 403; a missing channel is NoSuchLiveChannel 404 (SDK and path style)', async () => {
      const wrong = sdk(gw, { id: key.id, secret: key.secret + 'x' }, bucket);
      const e1 = await failure(wrong.getChannel('cam'));
      assert.equal(e1.code, 'SignatureDoesNotMatch');
      assert.equal(e1.status, 403);
      assert.match(e1.requestId ?? '', /^[0-9A-F]{24}$/);
      assert.equal(e1.hostId, `${bucket}.${BASE}:${gw.httpPort}`);
      const e2 = await failure(store.getChannel('nope'));
      assert.deepEqual([e2.code, e2.status], ['NoSuchLiveChannel', 404]);
      const e3 = await failure(sdk(gw, { id: 'NOSUCHKEY0000000', secret: 'whatever1' }, bucket).getChannel('cam'));
      assert.deepEqual([e3.code, e3.status], ['InvalidAccessKeyId', 403]);

      // path style, signed by hand with the documented formula
      const date = new Date().toUTCString();
      const sig = ossSignature(key.secret, ossStringToSign({ method: 'GET', date, headers: [], resource: `/${bucket}/nope`, query: [['live', '']] }));
      const res = await fetch(`${gw.httpBase}/${bucket}/nope?live`, { headers: { date, authorization: `OSS ${key.id}:${sig}` } });
      assert.equal(res.status, 404);
      const body = await res.text();
      assert.match(body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchLiveChannel<\/Code><Message>[^<]+<\/Message><RequestId>[0-9A-F]{24}<\/RequestId><HostId>127\.0\.0\.1:\d+<\/HostId><\/Error>/);
      const bad = await fetch(`${gw.httpBase}/${bucket}/cam?live`, { headers: { date, authorization: `OSS ${key.id}:${sig}` } });
      assert.equal(bad.status, 403);
      assert.match(await bad.text(), /<Code>SignatureDoesNotMatch<\/Code>.*<StringToSign>GET\n\n\n[^<]+\n\/[^<]+\/cam\?live<\/StringToSign>/s);
      // no credentials at all
      assert.equal((await fetch(`${gw.httpBase}/${bucket}/cam?live`)).status, 403);
    });

    it('getChannelStatus while ffmpeg pushes to getRtmpUrl; overwrite and delete refused while live; disabling cuts the encoder', async () => {
      assert.equal((await store.getChannelStatus('cam')).data.Status, 'Idle');
      const url: string = store.getRtmpUrl('cam', { expires: 3600, params: { playlistName: 'playlist.m3u8' } });
      const u = new URL(url);
      assert.equal(u.hostname, `${bucket}.${BASE}`);
      assert.equal(u.pathname, '/live/cam');
      assert.deepEqual([...u.searchParams.keys()], ['OSSAccessKeyId', 'Expires', 'Signature', 'playlistName']);
      // ffmpeg dials 127.0.0.1 but announces the SDK's tcUrl (the virtual host names the bucket)
      const dial = `${gw.rtmpBase}${u.pathname}${u.search}`;
      const p = push(dial, 40, { extra: ['-rtmp_tcurl', `rtmp://${u.host}/live`] });
      try {
        const stat = await waitFor('Live with measured video and audio', async () => {
          const s = (await store.getChannelStatus('cam')).data;
          return s.Status === 'Live' && s.Video && s.Audio && Number(s.Video.Bandwidth) > 0 && Number(s.Audio.Bandwidth) > 0 && s;
        }, 30_000, 250);
        assert.equal(stat.Video.Width, '640');
        assert.equal(stat.Video.Height, '360');
        assert.equal(stat.Video.FrameRate, '30');
        assert.equal(stat.Video.Codec, 'H264');
        assert.equal(stat.Audio.Codec, 'AAC');
        assert.equal(stat.Audio.SampleRate, '44100');
        // bytes per second: 800 kbit/s video is ~100 kB/s
        assert.ok(Number(stat.Video.Bandwidth) > 30_000 && Number(stat.Video.Bandwidth) < 400_000, stat.Video.Bandwidth);
        assert.match(stat.RemoteAddr, /^127\.0\.0\.1:\d+$/);
        const liveRow = gw.db.select().from(sessions).where(eq(sessions.status, 'live')).all().find((x) => x.channelId === getChannel(gw.db, bucket, 'cam')!.id)!;
        assert.equal(stat.ConnectedTime, new Date(liveRow.startedAt).toISOString());

        const e1 = await failure(store.putChannel('cam', { Target: { Type: 'HLS' } }));
        assert.deepEqual([e1.code, e1.status], ['LiveChannelConflict', 409]);
        const e2 = await failure(store.deleteChannel('cam'));
        assert.deepEqual([e2.code, e2.status], ['LiveChannelConflict', 409]);

        // the live playlist the push writes is the one playback serves
        const ch = getChannel(gw.db, bucket, 'cam')!;
        await waitFor('3 stored segments', () => gw.db.select().from(segments).where(eq(segments.channelId, ch.id)).all().filter((s) => s.state === 'stored').length >= 3, 30_000);
        const play = presignV2({ base: gw.httpBase, bucket, key: 'cam/playlist.m3u8', accessKeyId: key.id, secret: key.secret, expires: Math.floor(Date.now() / 1000) + 600 });
        const pl = await waitFor('live playlist', async () => {
          const r = await fetch(play);
          return r.status === 200 && (await r.text());
        });
        const parsed = parsePlaylist(pl);
        assert.ok(parsed.ok && parsed.playlist.entries.length >= 1 && !parsed.playlist.endList, pl);

        const res = await store.putChannelStatus('cam', 'disabled');
        assert.equal(res.res.status, 200);
        const r = await p;
        assert.notEqual(r.code, 0, 'ffmpeg was cut off');
        const ended = await waitFor('session closed', () => {
          const row = gw.db.select().from(sessions).where(eq(sessions.channelId, ch.id)).get();
          return row?.status === 'ended' && row;
        });
        assert.equal(ended.endReason, 'channel disabled');
      } finally {
        p.kill('SIGKILL');
      }
      assert.equal((await store.getChannelStatus('cam')).data.Status, 'Disabled');
      assert.equal((await store.getChannel('cam')).data.Status, 'disabled');
      await store.putChannelStatus('cam', 'enabled');
      // the cut encoder's session is finished asynchronously (segmenter flush)
      await waitFor('Idle once the cut session is closed', async () => (await store.getChannelStatus('cam')).data.Status === 'Idle');
    });

    it('getChannelHistory after the push; createVod and GetVodPlaylist give the playlist playback serves', async () => {
      const ch = getChannel(gw.db, bucket, 'cam')!;
      await waitFor('session ended and uploads drained', () => {
        const s = gw.db.select().from(sessions).where(eq(sessions.channelId, ch.id)).all();
        const segs = gw.db.select().from(segments).where(eq(segments.channelId, ch.id)).all();
        return s.length === 1 && s[0]!.status === 'ended' && segs.length > 0 && segs.every((x) => x.state === 'stored');
      }, 30_000);
      const session = gw.db.select().from(sessions).where(eq(sessions.channelId, ch.id)).get()!;
      const h = await store.getChannelHistory('cam');
      assert.equal(h.records.length, 1);
      assert.equal(h.records[0].StartTime, new Date(session.startedAt).toISOString());
      assert.equal(h.records[0].EndTime, new Date(session.endedAt!).toISOString());
      assert.equal(h.records[0].RemoteAddr, session.remoteAddr);
      assert.equal(session.accessKeyId, key.id);

      const rows = gw.db.select().from(segments).where(eq(segments.channelId, ch.id)).orderBy(segments.startMs).all();
      const startTime = Math.floor(session.startedAt / 1000) - 1;
      const endTime = Math.ceil(session.endedAt! / 1000) + 1;
      const v = await store.createVod('cam', 'vod.m3u8', { startTime, endTime });
      assert.equal(v.res.status, 200);
      const stored = new TextDecoder().decode((await gw.storage.get(bucket, 'cam/vod.m3u8')).body);
      const vod = parsePlaylist(stored);
      assert.ok(vod.ok);
      assert.equal(vod.playlist.playlistType, 'VOD');
      assert.equal(vod.playlist.endList, true);
      assert.deepEqual(vod.playlist.entries.map((e) => `cam/${e.uri}`), rows.map((s) => s.key));

      // GetVodPlaylist (no SDK method): the SDK's query-form signature, body = the same playlist
      const got = store.signatureUrl('cam', { expires: 600, subResource: { vod: null, startTime, endTime } });
      assert.ok(got.startsWith(`http://${bucket}.${BASE}:${gw.httpPort}/cam?`), got);
      const gr = await httpGet(got);
      assert.equal(gr.status, 200, gr.body);
      assert.equal(gr.headers['content-type'], 'application/x-mpegURL');
      assert.equal(gr.body, stored);

      // and playback serves it (rewritten per link), with every segment fetchable
      const play = presignV2({ base: gw.httpBase, bucket, key: 'cam/vod.m3u8', accessKeyId: key.id, secret: key.secret, expires: Math.floor(Date.now() / 1000) + 600 });
      const pr = await fetch(play);
      assert.equal(pr.status, 200);
      const served = parsePlaylist(await pr.text());
      assert.ok(served.ok);
      assert.equal(served.playlist.entries.length, rows.length);
      const seg = await fetch(new URL(served.playlist.entries[0]!.uri, play));
      assert.equal(seg.status, 200);
      assert.equal((await seg.arrayBuffer()).byteLength, rows[0]!.size);
    });

    it('the push URL PutLiveChannel returned, once signed, is accepted by the ingest', async () => {
      const put = await store.putChannel('list-0', { Target: { Type: 'HLS', FragDuration: '2', FragCount: '3' } });
      const publish: string = put.publishUrls[0];
      assert.equal(publish, `${gw.rtmpBase}/live/list-0?Bucket=${bucket}`);
      const expires = Math.floor(Date.now() / 1000) + 600;
      // the OSS push signature: Bucket is not signed, the resource is /<bucket>/<channel>
      const sig = createHmac('sha1', key.secret).update(`${expires}\n/${bucket}/list-0`).digest('base64');
      const p = push(`${publish}&OSSAccessKeyId=${key.id}&Expires=${expires}&Signature=${encodeURIComponent(sig)}`, 30);
      try {
        await waitFor('Live', async () => (await store.getChannelStatus('list-0')).data.Status === 'Live', 30_000, 250);
      } finally {
        p.kill('SIGTERM');
        await p;
      }
      await waitFor('Idle again', async () => (await store.getChannelStatus('list-0')).data.Status === 'Idle', 30_000, 250);
      assert.equal((await store.getChannelHistory('list-0')).records.length, 1);
    });

    it('deleteChannel: gone from the API, its segments stay in storage', async () => {
      const ch = getChannel(gw.db, bucket, 'cam')!;
      const keys = gw.db.select().from(segments).where(eq(segments.channelId, ch.id)).all().map((s) => s.key);
      const d = await store.deleteChannel('cam');
      assert.equal(d.res.status, 204);
      assert.deepEqual(Object.values(await failure(store.getChannel('cam'))).slice(0, 2), ['NoSuchLiveChannel', 404]);
      for (const k of keys) assert.ok((await gw.storage.head(bucket, k)).size > 0, k);
      assert.equal((await gw.storage.head(bucket, 'cam/vod.m3u8')).size > 0, true);
    });
  });
}

suite('embedded storage', () => ({}));
if (rgw) suite('Ceph RGW', s3Env);
else it('OSS LiveChannel API on Ceph RGW', { skip: 'TEST_S3_ENDPOINT not set (npm test starts RGW)' }, () => {});
