/**
 * Issue 3 end to end: a real ffmpeg pushes ~12 s into a gateway on a real Ceph RGW; one signed link
 * from `sign play` plays the private bucket through the gateway (every rewritten segment URI works
 * with no other credential), and the same kind of link made with `--base <RGW>` opens on RGW itself.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startTestGateway, setupChannel, s3Env, rgw, waitFor, uniqueBucket, type TestGateway } from '../helpers/gateway.ts';
import { push } from '../helpers/ffmpeg.ts';
import { presignV2 } from '../../app/core/signing/index.ts';
import { getChannel } from '../../db/repos/channels.ts';
import { sessions, segments } from '../../db/schema.ts';
import { eq } from 'drizzle-orm';

/** a request whose target goes on the wire exactly as given (fetch would normalise dot segments) */
function rawGet(base: string, target: string): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: 'GET', path: target }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const segmentUris = (playlist: string) => playlist.split('\n').filter((l) => l && !l.startsWith('#'));

if (!rgw) it('playback on Ceph RGW', { skip: 'TEST_S3_ENDPOINT not set (npm test starts RGW)' }, () => {});
else
  describe('signed HLS playback through the gateway and on RGW directly', () => {
    let gw: TestGateway;
    const bucket = uniqueBucket('play');
    let pushed: Promise<{ code: number | null; stderr: string }>;
    before(async () => {
      gw = await startTestGateway(s3Env());
      const pusher = await setupChannel(gw, bucket, 'cam1');
      // the gateway key equals the RGW user's, so its links also open on RGW directly
      await gw.cli('key', 'create', '--id', rgw!.accessKeyId, '--secret', rgw!.secretAccessKey);
      const url = await gw.cli('sign', 'push', `${bucket}/cam1`, '--key', pusher.id);
      pushed = push(url, 12);
    });
    after(async () => gw?.stop(5000));

    const play = (key: string, ...extra: string[]) => gw.cli('sign', 'play', `${bucket}/${key}`, '--key', rgw!.accessKeyId, ...extra);

    it('serves the live playlist while the encoder pushes: no-cache, no ENDLIST, relative names signed', async () => {
      const link = await play('cam1/playlist.m3u8');
      assert.ok(link.startsWith(`${gw.httpBase}/${bucket}/cam1/playlist.m3u8?AWSAccessKeyId=${rgw!.accessKeyId}&Expires=`), link);
      const res = await waitFor('live playlist', async () => {
        const r = await fetch(link);
        return r.status === 200 ? r : undefined;
      }, 20_000, 250);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      assert.equal(res.headers.get('content-type'), 'application/vnd.apple.mpegurl');
      const text = await res.text();
      assert.doesNotMatch(text, /#EXT-X-ENDLIST/);
      const expires = new URL(link).searchParams.get('Expires');
      for (const u of segmentUris(text)) assert.match(u, new RegExp(`^/${bucket}/cam1/\\d{13}\\.ts\\?AWSAccessKeyId=${rgw!.accessKeyId}&Expires=${expires}&Signature=[^&]+$`));
    });

    it('after the push: every segment URI of the one signed playlist link plays, Range returns exact bytes', async () => {
      const r = await pushed;
      assert.equal(r.code, 0, r.stderr);
      const ch = getChannel(gw.db, bucket, 'cam1')!;
      await waitFor('uploads drained', () => {
        const s = gw.db.select().from(sessions).where(eq(sessions.channelId, ch.id)).all();
        const segs = gw.db.select().from(segments).where(eq(segments.channelId, ch.id)).all();
        return s.every((x) => x.status === 'ended') && segs.length > 0 && segs.every((x) => x.state === 'stored');
      }, 30_000);
      const link = await play('cam1/playlist.m3u8');
      // LIVE_END_GRACE is 2 s in test gateways: then the playlist ends and becomes cacheable
      const text = await waitFor('ENDLIST', async () => {
        const t = await (await fetch(link)).text();
        return t.includes('#EXT-X-ENDLIST') ? t : undefined;
      }, 15_000, 250);
      const uris = segmentUris(text);
      assert.ok(uris.length >= 2, text);
      let first: Uint8Array | undefined;
      for (const u of uris) {
        const res = await fetch(gw.httpBase + u);
        assert.equal(res.status, 200, u);
        assert.equal(res.headers.get('content-type'), 'video/mp2t');
        assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
        const body = new Uint8Array(await res.arrayBuffer());
        assert.ok(body.length > 188 * 10);
        for (let i = 0; i < body.length; i += 188) assert.equal(body[i], 0x47, `${u}: sync byte at ${i}`);
        first ??= body;
      }
      const seg = gw.httpBase + uris[0];
      const head = await fetch(seg, { method: 'HEAD' });
      assert.equal(head.headers.get('content-length'), String(first!.length));
      const part = await fetch(seg, { headers: { range: 'bytes=0-187' } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), `bytes 0-187/${first!.length}`);
      assert.deepEqual(new Uint8Array(await part.arrayBuffer()), first!.subarray(0, 188));
      const tail = await fetch(seg, { headers: { range: 'bytes=-188' } });
      assert.equal(tail.status, 206);
      assert.deepEqual(new Uint8Array(await tail.arrayBuffer()), first!.subarray(first!.length - 188));
      const etag = head.headers.get('etag')!;
      assert.equal((await fetch(seg, { headers: { 'if-none-match': etag } })).status, 304);

      // the rewritten segment URIs are plain S3 V2 links: they open on RGW too
      const onRgw = await fetch(rgw!.endpoint + uris[0]);
      assert.equal(onRgw.status, 200);
      assert.deepEqual(new Uint8Array(await onRgw.arrayBuffer()), first);
    });

    it('refuses tampered, expired and missing with a reason, CORS headers on refusals too', async () => {
      const link = await play('cam1/playlist.m3u8');
      const opts = { headers: { origin: 'http://player.example' } };
      const tampered = await fetch(link.replace(/Signature=./, (m) => m.slice(0, -1) + (m.endsWith('A') ? 'B' : 'A')), opts);
      assert.equal(tampered.status, 403);
      assert.equal(tampered.headers.get('access-control-allow-origin'), '*');
      assert.match(await tampered.text(), /<Code>SignatureDoesNotMatch<\/Code><Message>signature does not match/);
      const expired = presignV2({ base: gw.httpBase, bucket, key: 'cam1/playlist.m3u8', accessKeyId: rgw!.accessKeyId, secret: rgw!.secretAccessKey, expires: Math.floor(Date.now() / 1000) - 5 });
      const ex = await fetch(expired, opts);
      assert.equal(ex.status, 403);
      assert.equal(ex.headers.get('access-control-allow-origin'), '*');
      assert.match(await ex.text(), /<Code>AccessDenied<\/Code><Message>link expired \d+ s ago/);
      const missing = await fetch(await play('cam1/1000000000000.ts'), opts);
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get('cache-control'), 'max-age=2');
      assert.equal(missing.headers.get('access-control-allow-origin'), '*');
      assert.match(await missing.text(), /<Code>NoSuchKey<\/Code>/);
      const pre = await fetch(`${gw.httpBase}/${bucket}/cam1/playlist.m3u8`, { method: 'OPTIONS', headers: { origin: 'http://player.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' } });
      assert.equal(pre.status, 204);
      assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Range/);
    });

    it('refuses traversal spellings sent raw on the wire with 400 and a reason', async () => {
      const q = new URL(await play('cam1/playlist.m3u8')).search;
      for (const [target, why] of [
        [`/${bucket}/cam1/../cam1/playlist.m3u8${q}`, /'\.' or '\.\.' segment/],
        [`/${bucket}/%2e%2e/cam1/playlist.m3u8${q}`, /'\.' or '\.\.' segment/],
        [`/${bucket}/cam1%2Fplaylist.m3u8${q}`, /encoded '\/'/],
        [`/${bucket}/cam1/playlist.m3u8%00${q}`, /control character/],
        [`/${bucket}/cam1/%zz.m3u8${q}`, /malformed percent-encoding/],
        [`/${bucket}/cam1/playlist.m3u8?AWSAccessKeyId=x&Expires=soon&Signature=y`, /Expires must be whole unix seconds/],
      ] as const) {
        const r = await rawGet(gw.httpBase, target);
        assert.ok(r.status === 400 || r.status === 403, `${target}: ${r.status}`);
        assert.match(r.body, why, target);
      }
    });

    it('a link made for RGW (--base) opens on RGW itself; the bucket is private there', async () => {
      const link = await play('cam1/playlist.m3u8', '--base', rgw!.endpoint);
      assert.ok(link.startsWith(`${rgw!.endpoint}/${bucket}/cam1/playlist.m3u8?AWSAccessKeyId=`), link);
      const res = await fetch(link);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^#EXTM3U\n[^]*\n\d{13}\.ts\n/);
      assert.equal((await fetch(`${rgw!.endpoint}/${bucket}/cam1/playlist.m3u8`)).status, 403);
    });

    it('a V4 link from the AWS SDK presigner plays through the gateway and on RGW', async () => {
      const creds = { accessKeyId: rgw!.accessKeyId, secretAccessKey: rgw!.secretAccessKey };
      for (const endpoint of [gw.httpBase, rgw!.endpoint]) {
        const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: creds });
        const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: 'cam1/playlist.m3u8' }), { expiresIn: 300 });
        const res = await fetch(url);
        assert.equal(res.status, 200, `${endpoint}: ${await res.clone().text()}`);
        assert.match(await res.text(), /^#EXTM3U/);
      }
    });
  });
