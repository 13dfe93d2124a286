/**
 * A publisher the gateway itself stopped reading (its segmenter ffmpeg fell behind, here: SIGSTOP
 * for longer than RTMP_IDLE_TIMEOUT) is not cut as "encoder silent": the push ends normally and
 * every segment is stored. Found by scripts/bench/ingest.ts at 16 streams on a loaded machine.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startTestGateway, setupChannel, waitFor, uniqueBucket, type TestGateway } from '../helpers/gateway.ts';
import { push } from '../helpers/ffmpeg.ts';
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
