/**
 * @module core/playlist/vod
 * A VOD media playlist from indexed segments (pure): PLAYLIST-TYPE:VOD, MEDIA-SEQUENCE 0,
 * a DISCONTINUITY where the stream was cut, ENDLIST last; URIs relative or S3-V2-signed.
 */
import { minTargetDuration, writePlaylist } from './m3u8.ts';
import { presignV2 } from '../signing/s3v2.ts';

export interface VodSegment {
  startMs: number;
  durationMs: number;
  /** publish session; null for segments the index learnt from the bucket (rebuild) */
  sessionId: number | null;
  /** object key, `<channel>/<13-digit ms>.ts` */
  key: string;
  /** the index's discontinuity number: it changes at a new session and after a segmenter restart */
  discSeq?: number;
}

/**
 * Within one session the next segment starts where the previous ended (the segmenter stamps
 * starts from one wall-clock base plus PTS, so the difference is a few ms). More than this much
 * apart in either direction means frames are missing or the clock jumped: the stream was cut.
 * One second is well above PTS rounding and well below any real reconnect (handshake + keyframe).
 */
export const CUT_TOLERANCE_MS = 1000;

/** does `next` not continue `prev` (other publish session, or a time gap/overlap beyond tolerance)? */
export function isCut(prev: VodSegment, next: VodSegment, toleranceMs = CUT_TOLERANCE_MS): boolean {
  if (prev.sessionId !== null && next.sessionId !== null && prev.sessionId !== next.sessionId) return true;
  // within a session: a restarted segmenter starts its timestamps again even when no time was lost
  if (prev.discSeq !== undefined && next.discSeq !== undefined && prev.discSeq !== next.discSeq) return true;
  return Math.abs(next.startMs - (prev.startMs + prev.durationMs)) > toleranceMs;
}

export type VodUris =
  /** `<13-digit>.ts`, resolved against the playlist's own URL (gateway proxy, public bucket) */
  | { kind: 'relative' }
  /** `<base>/<bucket>/<key>?AWSAccessKeyId&Expires&Signature`, the seed's vod.m3u8 form */
  | { kind: 'signed'; base: string; bucket: string; accessKeyId: string; secret: string; expires: number };

export function vodUri(s: VodSegment, uris: VodUris): string {
  if (uris.kind === 'relative') return s.key.slice(s.key.lastIndexOf('/') + 1);
  return presignV2({ base: uris.base, bucket: uris.bucket, key: s.key, accessKeyId: uris.accessKeyId, secret: uris.secret, expires: uris.expires });
}

/** segments must be in time order (as the index returns them); an empty list still gives a valid playlist */
export function buildVodPlaylist(segs: VodSegment[], uris: VodUris, toleranceMs = CUT_TOLERANCE_MS): string {
  return writePlaylist({
    targetDuration: minTargetDuration(segs.map((s) => s.durationMs)),
    mediaSequence: 0,
    playlistType: 'VOD',
    endList: true,
    entries: segs.map((s, i) => ({
      uri: vodUri(s, uris),
      durationMs: s.durationMs,
      ...(i > 0 && isCut(segs[i - 1]!, s, toleranceMs) ? { discontinuity: true } : {}),
    })),
  });
}

/** total of the EXTINF values as written (3 decimals each), in ms */
export function vodDurationMs(segs: VodSegment[]): number {
  return segs.reduce((a, s) => a + Math.round(s.durationMs), 0);
}
