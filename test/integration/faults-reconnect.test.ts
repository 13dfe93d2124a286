/**
 * Issue 5.3: an encoder drops and reconnects within the grace period: one continuous live playlist
 * (consecutive MEDIA-SEQUENCE, one discontinuity, never an ENDLIST in between); once the encoder
 * stays away, the playlist gets #EXT-X-ENDLIST after LIVE_END_GRACE.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGateway, setupChannel, s3Env, rgw, waitFor, uniqueBucket, type TestGateway } from '../helpers/gateway.ts';
import { push } from '../helpers/ffmpeg.ts';
import { readPlaylist, sleep } from '../helpers/faults.ts';
import { getChannel } from '../../db/repos/channels.ts';
import { sessions, segments } from '../../db/schema.ts';
import { asc, eq } from 'drizzle-orm';

describe('encoder drops and reconnects', () => {
  let gw: TestGateway;
  const bucket = uniqueBucket('reconn');
  let key: { id: string; secret: string };
  before(async () => {
    gw = await startTestGateway({ ...(rgw ? s3Env() : {}), LIVE_END_GRACE: '4' });
    key = await setupChannel(gw, bucket, 'cam', ['--frag-duration', '2', '--frag-count', '10']);
  });
  after(async () => gw?.stop(5000));

  it('reconnect within the grace: one playlist with a discontinuity; away for good: ENDLIST after the grace', async () => {
    const url = await gw.cli('sign', 'push', `${bucket}/cam`, '--key', key.id);
    const ch = getChannel(gw.db, bucket, 'cam')!;
    const rows = () => gw.db.select().from(segments).where(eq(segments.channelId, ch.id)).orderBy(asc(segments.seq)).all();
    const sess = () => gw.db.select().from(sessions).where(eq(sessions.channelId, ch.id)).orderBy(asc(sessions.id)).all();

    // watch every playlist body written while the channel is (re)connecting
    const seen: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        try {
          seen.push((await readPlaylist(gw.storage, bucket, 'cam/playlist.m3u8')).text);
        } catch {
          /* not written yet */
        }
        await sleep(150);
      }
    })();

    const r1 = await push(url, 7);
    assert.equal(r1.code, 0, r1.stderr);
    // the encoder comes back ~1 s later (ffmpeg start-up), well inside LIVE_END_GRACE=4
    const r2 = await push(url, 7);
    assert.equal(r2.code, 0, r2.stderr);
    watching = false;
    await watcher;
    await waitFor('both sessions stored', () => {
      const s = sess();
      return s.length === 2 && s.every((x) => x.status === 'ended') && rows().every((x) => x.state === 'stored');
    }, 30_000);
    assert.equal(await gw.uploader.drain(10_000), 0);
    assert.ok(seen.length > 5, `playlist observed ${seen.length} times`);
    assert.ok(seen.every((t) => !t.includes('#EXT-X-ENDLIST')), 'no ENDLIST was ever written between the two sessions');

    const all = rows();
    const [s1, s2] = sess();
    const pl = await waitFor('ENDLIST after the grace period', async () => {
      const p = await readPlaylist(gw.storage, bucket, 'cam/playlist.m3u8');
      return p.endList && p;
    }, 15_000, 200);
    assert.equal(pl.entries.length, all.length, pl.text);
    assert.equal(pl.mediaSequence, all[0]!.seq);
    assert.deepEqual(pl.entries.map((e) => `cam/${e.uri}`), all.map((s) => s.key), 'one continuous window over both sessions');
    for (let i = 1; i < all.length; i++) assert.equal(all[i]!.seq, all[i - 1]!.seq + 1);
    const firstOf2 = all.findIndex((s) => s.sessionId === s2!.id);
    assert.ok(firstOf2 > 0 && all.slice(0, firstOf2).every((s) => s.sessionId === s1!.id));
    assert.deepEqual(pl.entries.map((e, i) => (e.discontinuity ? i : -1)).filter((i) => i >= 0), [firstOf2], pl.text);
    assert.equal(s1!.endReason, 'encoder disconnected');
  });
});
