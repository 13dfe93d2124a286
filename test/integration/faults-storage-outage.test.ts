/**
 * Issue 5.1: radosgw is stopped for ~20 s in the middle of real ffmpeg pushes, then started again.
 * Gateway A (roomy spool): every segment cut ends up in the bucket, in order, with its extinf; the
 * live playlist catches up; the index matches the bucket listing exactly. Gateway B (SPOOL_MAX_MB=1):
 * when the spool is full the live push is ended and new pushes are refused, both logged, and
 * still no segment already cut is lost.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTestGateway, setupChannel, s3Env, rgw, waitFor, uniqueBucket, type TestGateway } from '../helpers/gateway.ts';
import { push } from '../helpers/ffmpeg.ts';
import { rgwData, rgwCtl, listAll, readIndex, readPlaylist, sleep } from '../helpers/faults.ts';
import { formatDuration } from '../../app/core/object-keys.ts';

const OUTAGE_MS = 20_000;
const skip = !rgw || !rgwData ? 'needs the test RGW and TEST_RGW_DATA (scripts/test.sh exports both)' : false;

/** every index row stored, the session closed, the queue idle */
async function settled(gw: TestGateway, bucket: string, ch: string) {
  const file = path.join(gw.dataDir, 'gateway.sqlite');
  await waitFor(`${bucket}/${ch} uploaded`, () => {
    const r = readIndex(file, bucket, ch);
    return r.sessions.length > 0 && r.sessions.every((s) => s.status === 'ended') && r.segments.every((s) => s.state === 'stored') && r;
  }, 90_000, 250);
  assert.equal(await gw.uploader.drain(30_000), 0);
  return readIndex(file, bucket, ch);
}

/** the bucket listing equals the index, keys increase with seq, each object carries its extinf */
async function assertBucketMatchesIndex(gw: TestGateway, bucket: string, ch: string) {
  const idx = await settled(gw, bucket, ch);
  const listed = (await listAll(gw.storage, bucket, `${ch}/`)).filter((k) => k.endsWith('.ts'));
  const keys = idx.segments.map((s) => s.key);
  assert.deepEqual(listed, keys, 'bucket listing = index, and byte order = sequence order');
  for (let i = 1; i < idx.segments.length; i++) assert.equal(idx.segments[i]!.seq, idx.segments[i - 1]!.seq + 1, 'no gap in MEDIA-SEQUENCE');
  for (const s of idx.segments) {
    const head = await gw.storage.head(bucket, s.key);
    assert.equal(head.metadata.extinf, formatDuration(s.durationMs / 1000), `${s.key} extinf`);
  }
  assert.equal(idx.sessions.reduce((n, s) => n + s.segments, 0), keys.length, 'session counters = index rows');
  const spool = path.join(gw.dataDir, 'spool');
  const left = fs.existsSync(spool) ? fs.readdirSync(spool, { recursive: true }).filter((f) => String(f).endsWith('.ts')) : [];
  assert.deepEqual(left, [], 'spool is empty');
  return idx;
}

describe('storage outage: radosgw stopped mid-push', { skip }, () => {
  let a: TestGateway;
  let b: TestGateway;
  const bucket = uniqueBucket('outage');
  let keyA: { id: string; secret: string };
  let keyB: { id: string; secret: string };
  const logged: string[] = [];
  const origWrite = process.stderr.write.bind(process.stderr);

  before(async () => {
    a = await startTestGateway({ ...s3Env(), LIVE_END_GRACE: '2' });
    b = await startTestGateway({ ...s3Env(), SPOOL_MAX_MB: '1', LIVE_END_GRACE: '2' });
    keyA = await setupChannel(a, bucket, 'cam', ['--frag-duration', '2', '--frag-count', '3']);
    keyB = await setupChannel(b, bucket, 'small', ['--frag-duration', '2']);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      logged.push(String(chunk));
      return origWrite(chunk, ...rest);
    }) as typeof process.stderr.write;
  });
  after(async () => {
    process.stderr.write = origWrite;
    // later test files need S3 whatever happened here
    if (!/rgw \d+ running/.test(await rgwCtl('status').catch(() => ''))) await rgwCtl('start-rgw').catch(() => {});
    await a?.stop(5000);
    await b?.stop(5000);
  });

  it('stop radosgw ~20 s during two pushes, start it again', async () => {
    const urlA = await a.cli('sign', 'push', `${bucket}/cam`, '--key', keyA.id);
    const urlB = await b.cli('sign', 'push', `${bucket}/small`, '--key', keyB.id);
    const pa = push(urlA, 40);
    const pb = push(urlB, 40);
    const fileA = path.join(a.dataDir, 'gateway.sqlite');
    await waitFor('two segments stored before the outage', () => readIndex(fileA, bucket, 'cam').segments.filter((s) => s.state === 'stored').length >= 2, 30_000);
    await rgwCtl('stop-rgw');
    try {
      await sleep(OUTAGE_MS);
      const during = a.uploader.stats();
      assert.ok(during.pending >= 5, `segments wait in the spool during the outage (${during.pending})`);
      assert.ok(during.retries >= 1 && during.failingChannels === 1, JSON.stringify(during));
      // B's spool filled up: its live push was ended, a new push is refused
      await waitFor('B cut for a full spool', () => readIndex(path.join(b.dataDir, 'gateway.sqlite'), bucket, 'small').sessions[0]?.status === 'ended', 10_000);
      const refused = await push(urlB, 3);
      assert.notEqual(refused.code, 0, 'a new push while the spool is full is refused');
    } finally {
      await rgwCtl('start-rgw');
    }
    const ra = await pa;
    assert.equal(ra.code, 0, `the encoder of A never noticed the outage: ${ra.stderr}`);
    await pb;

    const idxA = await assertBucketMatchesIndex(a, bucket, 'cam');
    const total = idxA.segments.reduce((n, s) => n + s.durationMs, 0) / 1000;
    assert.ok(Math.abs(total - 40) <= 2.5, `EXTINF sum ${total} s for a 40 s push: nothing lost`);
    assert.ok(a.uploader.stats().retries >= 1);

    // the live playlist caught up: its window is the newest 3 segments, then ENDLIST after the grace
    const pl = await waitFor('playlist ended', async () => {
      const p = await readPlaylist(a.storage, bucket, 'cam/playlist.m3u8');
      return p.endList && p;
    }, 15_000, 250);
    assert.deepEqual(pl.entries.map((e) => `cam/${e.uri}`), idxA.segments.slice(-3).map((s) => s.key), pl.text);
    assert.equal(pl.mediaSequence, idxA.segments.at(-3)!.seq);

    const idxB = await assertBucketMatchesIndex(b, bucket, 'small');
    assert.equal(idxB.sessions.length, 1, 'the refused push opened no session');
    assert.equal(idxB.sessions[0]!.endReason, 'upload backlog full');
    assert.ok(idxB.segments.length >= 4, `B's segments cut before the cut are all stored (${idxB.segments.length})`);
    const text = logged.join('');
    assert.match(text, /upload spool holds \d+ MB \(> SPOOL_MAX_MB\); ending this push, no segment is dropped/);
    assert.match(text, /publish refused \(backlog-full\): upload backlog full/);
    assert.match(text, /upload failed .*retrying with backoff, the segment stays in the spool/);
  });
});
