/**
 * @module core/names
 * Name rules for buckets, channels, playlists and object keys. Every name from the outside
 * passes here before it touches a path, an object key or SQL.
 */

/** S3 bucket rules (lower-case DNS-ish), which RGW and AWS both enforce */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** OSS LiveChannel allows letters, digits, '-' and '_'; also what node-media-server's stream names allow */
const CHANNEL = /^[A-Za-z0-9_-]{1,100}$/;
/** OSS: 6-128 chars, ends with .m3u8, no '/' */
const PLAYLIST = /^[A-Za-z0-9_.-]{1,123}\.m3u8$/;
/** segment object: 13-digit epoch ms, '.ts' */
const SEGMENT = /^\d{13}\.ts$/;

export type NameCheck = { ok: true } | { ok: false; reason: string };

export function checkBucket(b: string): NameCheck {
  if (!BUCKET.test(b) || b.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(b))
    return { ok: false, reason: `invalid bucket name '${clip(b)}': 3-63 chars of a-z 0-9 . -` };
  return { ok: true };
}

export function checkChannel(c: string): NameCheck {
  if (!CHANNEL.test(c)) return { ok: false, reason: `invalid channel name '${clip(c)}': 1-100 chars of A-Z a-z 0-9 _ -` };
  return { ok: true };
}

export function checkPlaylistName(p: string): NameCheck {
  if (p.length < 6 || p.length > 128 || !PLAYLIST.test(p))
    return { ok: false, reason: `invalid playlist name '${clip(p)}': 6-128 chars ending in .m3u8, no '/': letters, digits, '_', '.' and '-' only` };
  return { ok: true };
}

export const isBucket = (b: string) => checkBucket(b).ok;
export const isChannel = (c: string) => checkChannel(c).ok;
export const isPlaylistName = (p: string) => checkPlaylistName(p).ok;
export const isSegmentName = (s: string) => SEGMENT.test(s);

/** "bucket/channel" as the CLI and API take it */
export function parseChannelRef(ref: string): { bucket: string; channel: string } {
  const i = ref.indexOf('/');
  if (i < 0) throw new Error(`expected <bucket>/<channel>, got '${clip(ref)}'`);
  const bucket = ref.slice(0, i);
  const channel = ref.slice(i + 1);
  for (const c of [checkBucket(bucket), checkChannel(channel)]) if (!c.ok) throw new Error(c.reason);
  return { bucket, channel };
}

/** shorten untrusted input before it goes into a message or a log line */
export function clip(s: string, n = 64): string {
  const t = String(s).replace(/[\x00-\x1f\x7f]/g, '?');
  return t.length > n ? t.slice(0, n) + '…' : t;
}
