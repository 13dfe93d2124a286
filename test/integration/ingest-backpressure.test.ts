/**
 * A publisher the gateway itself stopped reading (its segmenter ffmpeg fell behind, here: SIGSTOP
 * for longer than RTMP_IDLE_TIMEOUT) is not cut as "encoder silent": the push ends normally and
 * every segment is stored. Found by scripts/bench/ingest.ts at 16 streams on a loaded machine.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startTestGateway, setupChannel, waitFor, uniqueBucket, type TestGateway } from '../helpers/gateway.ts';
import path from 'node:path';
import { push, ffprobe } from '../helpers/ffmpeg.ts';
import { getChannel } from '../../db/repos/channels.ts';
import { sessions, segments } from '../../db/schema.ts';
import { eq } from 'drizzle-orm';

/** pid of this process's child ffmpeg that runs the segment muxer (not the pushing one) */
function segmenterPid(): number | undefined {
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid || fs.readFileSync(`/proc/${name}/comm`, 'utf8').trim() !== 'ffmpeg') continue;
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('segment_list')) return Number(name);
    } catch { /* exited meanwhile */ }
  }
  return undefined;
}

describe('segmenter crash mid-stream', () => {
  let gw: TestGateway;
  const bucket = uniqueBucket('crash');
  before(async () => {
    gw = await startTestGateway({});
  });
  after(async () => gw?.stop(5000));

  it('a killed ffmpeg is restarted and the session goes on from the next keyframe; segments stay in order', async () => {
    const key = await setupChannel(gw, bucket, 'cam', ['--frag-duration', '2']);
    const p = push(await gw.cli('sign', 'push', `${bucket}/cam`, '--key', key.id), 16);
    const ch = await waitFor('channel', () => getChannel(gw.db, bucket, 'cam'), 10_000);
    const rows = () => gw.db.select().from(segments).where(eq(segments.channelId, ch.id)).all();
    await waitFor('two segments', () => rows().length >= 2, 20_000);
    const first = await waitFor('segmenter ffmpeg', () => segmenterPid(), 5_000);
    process.kill(first, 'SIGKILL');
    // a new segmenter process appears after the pause (1 s) and cuts segments again
    const second = await waitFor('restarted segmenter', () => { const x = segmenterPid(); return x !== undefined && x !== first ? x : undefined; }, 10_000);
    assert.notEqual(second, first);
    const r = await p;
    assert.equal(r.code, 0, `the encoder noticed nothing: ${r.stderr.slice(0, 300)}`);
    const { s, segs } = await waitFor('session ended, segments stored', () => {
      const ss = gw.db.select().from(sessions).where(eq(sessions.channelId, ch.id)).all();
      const sg = rows();
      return ss.length === 1 && ss[0]!.status === 'ended' && sg.every((x) => x.state === 'stored') && { s: ss[0]!, segs: sg };
    }, 30_000);
    assert.equal(s.endReason, 'encoder disconnected', 'one session across the restart');
    const starts = segs.map((x) => x.startMs);
    assert.deepEqual([...starts].sort((a, b) => a - b), starts, 'keys keep their time order');
    assert.equal(new Set(segs.map((x) => x.key)).size, segs.length);
    // what was cut before the kill, plus everything after the restart: at most the crashed run's open segment and the pause are lost
    const mediaMs = segs.reduce((a, x) => a + x.durationMs, 0);
    assert.ok(mediaMs >= 10_000 && mediaMs <= 16_500, `segments cover ${mediaMs} ms of a 16 s push`);
    assert.ok(segs.filter((x) => x.startMs > segs[1]!.startMs).length >= 2, 'segments after the restart');
    // the restarted run's timestamps begin again: exactly one discontinuity, where the new run starts
    const discs = segs.map((x) => x.discSeq);
    assert.equal(discs[0], 0);
    assert.equal(discs.at(-1), 1, discs.join(','));
    assert.deepEqual([...discs].sort((a, b) => a - b), discs);
    // ...and the first segment of the new run has media timestamps near 0, which is why
    const firstNew = segs[discs.indexOf(1)]!;
    // nothing of the crashed run is left in the spool for start-up recovery to mis-index
    assert.deepEqual(fs.readdirSync(path.join(gw.dataDir, 'spool', String(s.id))).filter((f) => f.endsWith('.ts')), []);
    const probe = await ffprobe(path.join(gw.dataDir, 'objects', bucket, firstNew.key));
    assert.ok(Number(probe.streams.find((x) => x.codec_type === 'video')!.start_time) < 3, JSON.stringify(probe.streams[0]));
  });
});

describe('ingest backpressure', () => {
  let gw: TestGateway;
  const bucket = uniqueBucket('stall');
  before(async () => {
    gw = await startTestGateway({ RTMP_IDLE_TIMEOUT: '2' });
  });
  after(async () => gw?.stop(5000));

  it('keeps a publisher that is paused because the segmenter is behind, past the idle timeout', async () => {
    const key = await setupChannel(gw, bucket, 'cam');
    const url = await gw.cli('sign', 'push', `${bucket}/cam`, '--key', key.id);
    const p = push(url, 14);
    const ch = await waitFor('channel live', () => getChannel(gw.db, bucket, 'cam'), 10_000);
    await waitFor('first segment', () => gw.db.select().from(segments).where(eq(segments.channelId, ch.id)).all().length > 0, 20_000);
    const pid = await waitFor('segmenter ffmpeg', () => segmenterPid(), 5_000);
    process.kill(pid, 'SIGSTOP');
    try {
      await new Promise((r) => setTimeout(r, 6_000)); // 3x RTMP_IDLE_TIMEOUT with the socket paused
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const r = await p;
    assert.equal(r.code, 0, `push failed: ${r.stderr.slice(0, 300)}`);
    await waitFor('session ended, segments stored', () => {
      const s = gw.db.select().from(sessions).where(eq(sessions.channelId, ch.id)).all();
      const segs = gw.db.select().from(segments).where(eq(segments.channelId, ch.id)).all();
      return s.length === 1 && s[0]!.status === 'ended' && segs.every((x) => x.state === 'stored') && { s: s[0]!, segs };
    }, 30_000).then(({ s, segs }) => {
      assert.equal(s.endReason, 'encoder disconnected');
      // the whole push was segmented: 14 s of media, nothing lost across the stall
      const mediaMs = segs.reduce((a, x) => a + x.durationMs, 0);
      assert.ok(mediaMs >= 13_000, `segments cover ${mediaMs} ms of a 14 s push`);
    });
  });
});
