/**
 * @module core/playlist/m3u8
 * Pure RFC 8216 media-playlist writer and a tolerant reader (for tests, rewriting and rebuilds).
 */
import { formatDuration } from '../object-keys.ts';

export interface PlaylistEntry {
  uri: string;
  durationMs: number;
  /** emit #EXT-X-DISCONTINUITY before this entry */
  discontinuity?: boolean;
}

export interface MediaPlaylist {
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence?: number;
  playlistType?: 'VOD' | 'EVENT';
  endList: boolean;
  entries: PlaylistEntry[];
}

/** integer target duration covering every EXTINF as written (3 decimals) */
export function minTargetDuration(durationsMs: number[]): number {
  let max = 0;
  for (const d of durationsMs) max = Math.max(max, Math.ceil(Number(formatDuration(d / 1000)) - 1e-9));
  return Math.max(1, max);
}

export function writePlaylist(p: MediaPlaylist): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3'];
  if (p.playlistType) lines.push(`#EXT-X-PLAYLIST-TYPE:${p.playlistType}`);
  lines.push(`#EXT-X-TARGETDURATION:${p.targetDuration}`);
  lines.push(`#EXT-X-MEDIA-SEQUENCE:${p.mediaSequence}`);
  if (p.discontinuitySequence) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${p.discontinuitySequence}`);
  for (const e of p.entries) {
    if (e.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXTINF:${formatDuration(e.durationMs / 1000)},`, e.uri);
  }
  if (p.endList) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

export type ParseResult = { ok: true; playlist: MediaPlaylist } | { ok: false; error: string };

/** parse a media playlist; returns an error instead of throwing (hls.js style) */
export function parsePlaylist(text: string): ParseResult {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines[0] !== '#EXTM3U') return { ok: false, error: 'missing #EXTM3U' };
  const p: MediaPlaylist = { targetDuration: -1, mediaSequence: 0, endList: false, entries: [] };
  let pendingDur: number | undefined;
  let pendingDisc = false;
  for (const l of lines.slice(1)) {
    if (l.startsWith('#EXT-X-TARGETDURATION:')) p.targetDuration = Number(l.slice(22));
    else if (l.startsWith('#EXT-X-MEDIA-SEQUENCE:')) p.mediaSequence = Number(l.slice(22));
    else if (l.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE:')) p.discontinuitySequence = Number(l.slice(30));
    else if (l === '#EXT-X-DISCONTINUITY') pendingDisc = true;
    else if (l.startsWith('#EXT-X-PLAYLIST-TYPE:')) p.playlistType = l.slice(21) as 'VOD';
    else if (l === '#EXT-X-ENDLIST') p.endList = true;
    else if (l.startsWith('#EXTINF:')) {
      const v = parseFloat(l.slice(8));
      if (!Number.isFinite(v) || v < 0) return { ok: false, error: `bad EXTINF: ${l.slice(0, 40)}` };
      pendingDur = Math.round(v * 1000);
    } else if (!l.startsWith('#')) {
      if (pendingDur === undefined) return { ok: false, error: `URI without EXTINF: ${l.slice(0, 60)}` };
      p.entries.push({ uri: l, durationMs: pendingDur, ...(pendingDisc ? { discontinuity: true } : {}) });
      pendingDur = undefined;
      pendingDisc = false;
    }
  }
  if (!Number.isInteger(p.targetDuration) || p.targetDuration < 0) return { ok: false, error: 'missing or bad #EXT-X-TARGETDURATION' };
  return { ok: true, playlist: p };
}
