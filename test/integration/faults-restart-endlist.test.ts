/**
 * A gateway stopped gracefully inside LIVE_END_GRACE leaves the last session's playlist "live"; the
 * next start finishes it: #EXT-X-ENDLIST once the grace has passed, unless an encoder came back.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGateway, setupChannel, tempDir, uniqueBucket, waitFor } from '../helpers/gateway.ts';
import { push } from '../helpers/ffmpeg.ts';
import { readPlaylist } from '../helpers/faults.ts';

describe('restart after a graceful stop', () => {
  it('the ended session gets ENDLIST at the next start', async () => {
    const dataDir = tempDir();
    const bucket = uniqueBucket('endl');
    const a = await startTestGateway({ LIVE_END_GRACE: '600' }, dataDir);
    const key = await setupChannel(a, bucket, 'cam', ['--frag-duration', '2']);
    assert.equal((await push(await a.cli('sign', 'push', `${bucket}/cam`, '--key', key.id), 5)).code, 0);
    await waitFor('session ended', () => a.recorder.live().length === 0 && a.recorder.finishing() === 0, 20_000);
    await a.stop(10_000);
    const before = await readPlaylist(a.storage, bucket, 'cam/playlist.m3u8');
    assert.equal(before.text.includes('#EXT-X-ENDLIST'), false, 'still inside the grace: no ENDLIST yet');
    const b = await startTestGateway({ LIVE_END_GRACE: '2' }, dataDir);
    try {
      const after = await waitFor('ENDLIST', async () => {
        const p = await readPlaylist(b.storage, bucket, 'cam/playlist.m3u8');
        return p.text.includes('#EXT-X-ENDLIST') ? p : undefined;
      }, 15_000);
      assert.deepEqual(after.entries.map((e) => e.uri), before.entries.map((e) => e.uri), 'same window, now ended');
      assert.ok(after.text.trimEnd().endsWith('#EXT-X-ENDLIST'));
    } finally {
      await b.stop(5000);
    }
  });
});
