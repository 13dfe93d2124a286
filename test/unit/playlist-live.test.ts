import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildLivePlaylist, contiguousTail, liveTargetDuration, initialTargetDuration } from '../../app/core/playlist/live.ts';
import { parsePlaylist, minTargetDuration } from '../../app/core/playlist/m3u8.ts';

describe('live playlist', () => {
  const seg = (seq: number, discSeq: number, startMs: number, durationMs: number) => ({ seq, discSeq, startMs, durationMs });
  it('writes exact text with a discontinuity between sessions', () => {
    const window = [seg(7, 0, 1700000000000, 6016), seg(8, 1, 1700000010000, 4000), seg(9, 1, 1700000014000, 5999)];
    const text = buildLivePlaylist({ window, targetDuration: liveTargetDuration(8, window), ended: false, uriOf: (s) => `${s.startMs}.ts` });
    assert.equal(text, [
      '#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:8', '#EXT-X-MEDIA-SEQUENCE:7',
      '#EXTINF:6.016,', '1700000000000.ts',
      '#EXT-X-DISCONTINUITY', '#EXTINF:4.000,', '1700000010000.ts',
      '#EXTINF:5.999,', '1700000014000.ts', '',
    ].join('\n'));
    const p = parsePlaylist(text);
    assert.ok(p.ok);
    assert.equal(p.playlist.entries.length, 3);
    assert.equal(p.playlist.entries[1]!.discontinuity, true);
  });
  it('carries the discontinuity sequence once the old session slid out, and ENDLIST when ended', () => {
    const window = [seg(8, 1, 1, 4000), seg(9, 1, 2, 4000)];
    const text = buildLivePlaylist({ window, targetDuration: 5, ended: true, uriOf: (s) => `${s.startMs}.ts` });
    assert.match(text, /#EXT-X-MEDIA-SEQUENCE:8\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n/);
    assert.ok(text.endsWith('#EXT-X-ENDLIST\n'));
    assert.ok(!text.includes('#EXT-X-DISCONTINUITY\n'));
  });
  it('a hole in the sequence (a lost segment) starts the window after it, so entries keep their numbers', () => {
    const window = [seg(10, 0, 1, 2000), seg(12, 0, 2, 2000), seg(13, 0, 3, 2000)];
    const text = buildLivePlaylist({ window, targetDuration: 3, ended: false, uriOf: (s) => `${s.startMs}.ts` });
    assert.equal(text, ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:3', '#EXT-X-MEDIA-SEQUENCE:12', '#EXTINF:2.000,', '2.ts', '#EXTINF:2.000,', '3.ts', ''].join('\n'));
    assert.deepEqual(contiguousTail([seg(4, 0, 1, 1)]).map((s) => s.seq), [4]);
    assert.deepEqual(contiguousTail([]), []);
  });
  it('target duration covers every EXTINF and never shrinks', () => {
    assert.equal(initialTargetDuration(5), 8);
    assert.equal(minTargetDuration([6001, 2000]), 7);
    assert.equal(minTargetDuration([6000, 2000]), 6);
    assert.equal(minTargetDuration([5999.6]), 6);
    assert.equal(liveTargetDuration(8, [seg(1, 0, 0, 9500)]), 10);
    assert.equal(liveTargetDuration(10, [seg(1, 0, 0, 2000)]), 10);
  });
  it('parser reports errors instead of throwing', () => {
    assert.deepEqual(parsePlaylist('nope'), { ok: false, error: 'missing #EXTM3U' });
    assert.equal(parsePlaylist('#EXTM3U\nseg.ts').ok, false);
  });
});
