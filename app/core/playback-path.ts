/**
 * @module core/playback-path
 * The request path of a playback request -> bucket, channel and object key, or a reason to refuse.
 * The raw path is percent-decoded exactly once; that one string is what gets verified and looked up.
 * Anything that could mean two things (dot segments, encoded '/', NUL, backslash, empty segments,
 * bad escapes) is refused here, before any database or storage call.
 */
import { checkBucket, checkChannel, checkPlaylistName, clip, isSegmentName } from './names.ts';

export type PlaybackPath =
  | { ok: true; bucket: string; channel: string; name: string; key: string; kind: 'playlist' | 'segment' }
  /** not ours: a prefix the gateway keeps for itself */
  | { ok: false; reserved: true }
  | { ok: false; reserved?: false; reason: string };

const refuse = (reason: string): PlaybackPath => ({ ok: false, reason });

export function parsePlaybackPath(rawPath: string, reserved: readonly string[]): PlaybackPath {
  if (!rawPath.startsWith('/')) return refuse('path must start with /');
  // check the first raw segment before decoding so a reserved prefix is never taken for a bucket
  const firstRaw = rawPath.slice(1).split('/')[0] ?? '';
  if (reserved.includes(firstRaw)) return { ok: false, reserved: true };
  if (rawPath.includes('\\')) return refuse('backslash in path');
  // decoding '%2F' would turn one segment into two: refused rather than guessed
  if (/%2f/i.test(rawPath)) return refuse("encoded '/' (%2F) in path");
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return refuse('malformed percent-encoding in path');
  }
  if (/[\x00-\x1f\x7f]/.test(path)) return refuse('control character (e.g. NUL) in path');
  if (path.includes('\\')) return refuse('backslash in path');
  const segs = path.slice(1).split('/');
  if (segs.some((s) => s === '.' || s === '..')) return refuse("'.' or '..' segment in path");
  if (segs.some((s) => s === '')) return refuse('empty segment in path');
  const [bucket, channel, name] = segs as [string, string | undefined, string | undefined];
  if (reserved.includes(bucket)) return refuse(`'${clip(bucket)}' is reserved by the gateway`);
  const b = checkBucket(bucket);
  if (!b.ok) return refuse(b.reason);
  if (segs.length !== 3 || channel === undefined || name === undefined)
    return refuse('expected /<bucket>/<channel>/<segment>.ts or /<bucket>/<channel>/<playlist>.m3u8');
  const c = checkChannel(channel);
  if (!c.ok) return refuse(c.reason);
  if (isSegmentName(name)) return { ok: true, bucket, channel, name, key: `${channel}/${name}`, kind: 'segment' };
  if (name.endsWith('.m3u8')) {
    const p = checkPlaylistName(name);
    if (!p.ok) return refuse(p.reason);
    return { ok: true, bucket, channel, name, key: `${channel}/${name}`, kind: 'playlist' };
  }
  return refuse(`invalid object name '${clip(name)}': <13-digit epoch ms>.ts or <name>.m3u8`);
}
