/**
 * @module core/playlist/live
 * The live playlist of a channel from its newest stored segments (pure).
 * MEDIA-SEQUENCE and DISCONTINUITY-SEQUENCE come from numbers stored on each segment, so they
 * only grow across reconnects and restarts; a discontinuity precedes each new publish session.
 */
import { minTargetDuration, writePlaylist } from './m3u8.ts';

export interface WindowSegment {
  seq: number;
  discSeq: number;
  startMs: number;
  durationMs: number;
}

/** SRS-style first guess so the target covers keyframe-aligned cuts (e.g. 6/4 s) from the start */
export function initialTargetDuration(fragDurationSec: number): number {
  return Math.ceil(fragDurationSec * 1.5);
}

/** the target to announce: never below what the session announced before, nor below any EXTINF */
export function liveTargetDuration(sessionTarget: number, window: WindowSegment[]): number {
  return Math.max(sessionTarget, window.length ? minTargetDuration(window.map((s) => s.durationMs)) : 1);
}

/**
 * the newest run of consecutive sequence numbers: a player numbers entries from MEDIA-SEQUENCE, so a hole
 * (a segment lost from the spool) inside the window would renumber the entries after it between reloads
 */
export function contiguousTail<T extends WindowSegment>(window: T[]): T[] {
  let i = window.length - 1;
  while (i > 0 && window[i - 1]!.seq === window[i]!.seq - 1) i -= 1;
  return window.slice(Math.max(i, 0));
}

export function buildLivePlaylist(o: { window: WindowSegment[]; targetDuration: number; ended: boolean; uriOf: (s: WindowSegment) => string }): string {
  const w = contiguousTail(o.window);
  return writePlaylist({
    targetDuration: o.targetDuration,
    mediaSequence: w[0]?.seq ?? 0,
    discontinuitySequence: w[0]?.discSeq ?? 0,
    endList: o.ended,
    entries: w.map((s, i) => ({ uri: o.uriOf(s), durationMs: s.durationMs, discontinuity: i > 0 && s.discSeq !== w[i - 1]!.discSeq })),
  });
}
