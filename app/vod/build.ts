/**
 * @module vod/build
 * VOD from a time range (OSS PostVodPlaylist / GetVodPlaylist). In: bucket/channel, [start, end]
 * in unix seconds, URI mode, store or not. Out: the playlist text (and, when stored, the object
 * `<channel>/<name>` plus a vod_playlists row), or a refusal with a status and a reason.
 * Segments come from the SQLite index only; the bucket is never listed here.
 */
import type { Db } from '../../db/index.ts';
import { getChannel } from '../../db/repos/channels.ts';
import { getKey, keyCovers } from '../../db/repos/keys.ts';
import { segmentsInRange } from '../../db/repos/segments.ts';
import { recordVodPlaylist } from '../../db/repos/vod-playlists.ts';
import type { Config } from '../config/config.ts';
import { checkBucket, checkChannel, checkPlaylistName, clip } from '../core/names.ts';
import { playlistKey } from '../core/object-keys.ts';
import { buildVodPlaylist, isCut, vodDurationMs, type VodUris } from '../core/playlist/vod.ts';
import { checkVodRange } from '../core/vod-range.ts';
import type { Storage } from '../storage/types.ts';

export interface VodDeps {
  db: Db;
  storage: Storage;
  /** the gateway's own S3 credentials (signing links that open on the S3 server directly) */
  s3?: { endpoint: string; accessKeyId: string; secretAccessKey: string };
  /** the gateway's public base: links for it must be signed with a key of the access_keys table */
  publicHttpBase: string;
  maxRangeSec: number;
  now?: () => number;
}

export function vodDeps(config: Pick<Config, 's3' | 'publicHttpBase' | 'vodMaxRangeSec'>, db: Db, storage: Storage): VodDeps {
  return { db, storage, s3: config.s3, publicHttpBase: config.publicHttpBase, maxRangeSec: config.vodMaxRangeSec };
}

export type VodUriChoice =
  | { kind: 'relative' }
  /** base defaults to the S3 endpoint (else the gateway); keyId: an access key of this gateway */
  | { kind: 'signed'; base?: string; expiresInSec: number; keyId?: string };

export interface VodRequest {
  bucket: string;
  channel: string;
  /** unix seconds; strings from the command line are accepted and checked the same way */
  startSec: number | string;
  endSec: number | string;
  /** playlist name when stored; default vod-<start>-<end>.m3u8 */
  name?: string;
  store: boolean;
  uris: VodUriChoice;
}

export type VodOutcome =
  | { ok: true; playlist: string; key?: string; segments: number; durationMs: number; discontinuities: number; pending: number; startSec: number; endSec: number }
  | { ok: false; status: 400 | 404 | 409 | 502; code: string; reason: string };

/** 20 years, the seed's TWENTY_YEARS_IN_SECONDS, and it keeps Expires at 10 digits */
export const MAX_EXPIRES_IN_SEC = 60 * 60 * 24 * 365 * 20;

const refuse = (status: 400 | 404 | 409 | 502, code: string, reason: string): VodOutcome => ({ ok: false, status, code, reason });

export async function buildVod(deps: VodDeps, req: VodRequest): Promise<VodOutcome> {
  for (const c of [checkBucket(String(req.bucket)), checkChannel(String(req.channel))]) if (!c.ok) return refuse(400, 'bad-name', c.reason);
  const range = checkVodRange(req.startSec, req.endSec, deps.maxRangeSec);
  if (!range.ok) return refuse(400, range.code, range.reason);
  const { startSec, endSec } = range;
  const name = req.name ?? `vod-${startSec}-${endSec}.m3u8`;
  if (req.store) {
    const n = checkPlaylistName(String(name));
    if (!n.ok) return refuse(400, 'bad-name', n.reason);
  }
  const channel = getChannel(deps.db, req.bucket, req.channel);
  if (!channel) return refuse(404, 'unknown-channel', `no channel ${req.bucket}/${req.channel}`);
  if (req.store && livePlaylistNames(deps.db, channel.id, channel.playlistName).has(name))
    return refuse(409, 'name-taken', `${name} is a live playlist of ${req.bucket}/${req.channel}: choose another name`);

  const uris = resolveUris(deps, req.bucket, req.channel, req.uris);
  if ('reason' in uris) return refuse(400, uris.code, uris.reason);

  // a segment belongs to the range when the second it starts in lies in [start, end]
  const rows = segmentsInRange(deps.db, channel.id, startSec * 1000, endSec * 1000 + 999);
  // only stored segments: a spooled one is not in the bucket yet and its link would 404
  const segs = rows.filter((s) => s.state === 'stored');
  const pending = rows.length - segs.length;
  if (segs.length === 0)
    return refuse(404, 'empty', `no stored segments of ${req.bucket}/${req.channel} start in [${startSec}, ${endSec}]${pending ? ` (${pending} still uploading: try again shortly)` : ''}`);

  const playlist = buildVodPlaylist(segs, uris);
  const out: VodOutcome = {
    ok: true, playlist, segments: segs.length, durationMs: vodDurationMs(segs),
    discontinuities: segs.filter((s, i) => i > 0 && isCut(segs[i - 1]!, s)).length, pending, startSec, endSec,
  };
  if (!req.store) return out;
  const key = playlistKey(channel.name, name);
  try {
    await deps.storage.put(req.bucket, key, new TextEncoder().encode(playlist), { contentType: 'application/x-mpegURL', cacheControl: 'no-cache' });
  } catch (e) {
    return refuse(502, 'storage', `storing ${req.bucket}/${key} failed: ${(e as Error).message}`);
  }
  recordVodPlaylist(deps.db, { channelId: channel.id, name, startS: startSec, endS: endSec, segments: segs.length, now: deps.now?.() });
  return { ...out, key };
}

/** the channel's playlist name and every name a push used (playlistName param): a VOD must not overwrite them */
function livePlaylistNames(db: Db, channelId: number, channelPlaylist: string): Set<string> {
  const rows = db.$client.prepare('SELECT DISTINCT playlist_name AS n FROM sessions WHERE channel_id = ?').all(channelId) as { n: string }[];
  return new Set([channelPlaylist, ...rows.map((r) => r.n)]);
}

const originOf = (u: string) => {
  try {
    return new URL(u).origin;
  } catch {
    return undefined;
  }
};

/**
 * Which credentials sign the links: a named gateway key; else the gateway's S3 credentials,
 * unless the base is the gateway itself (its links verify against the key table, not S3).
 */
function resolveUris(deps: VodDeps, bucket: string, channel: string, c: VodUriChoice): VodUris | { code: string; reason: string } {
  if (c.kind === 'relative') return { kind: 'relative' };
  if (!Number.isInteger(c.expiresInSec) || c.expiresInSec < 1 || c.expiresInSec > MAX_EXPIRES_IN_SEC)
    return { code: 'bad-expires', reason: `expires-in must be whole seconds in 1..${MAX_EXPIRES_IN_SEC}, got '${clip(String(c.expiresInSec), 20)}'` };
  const base = (c.base ?? deps.s3?.endpoint ?? deps.publicHttpBase).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return { code: 'bad-base', reason: `base must be a URL like http://host:port, got '${clip(base)}'` };
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash || url.username)
    return { code: 'bad-base', reason: `base must be a plain http(s) URL without query or credentials, got '${clip(base)}'` };
  const expires = Math.floor((deps.now?.() ?? Date.now()) / 1000) + c.expiresInSec;
  if (c.keyId !== undefined) {
    const k = getKey(deps.db, String(c.keyId));
    if (!k) return { code: 'unknown-key', reason: `unknown access key '${clip(String(c.keyId))}'` };
    if (!k.enabled) return { code: 'key-disabled', reason: `access key ${k.id} is disabled` };
    if (!k.canPlay || !keyCovers(k, bucket, channel)) return { code: 'key-scope', reason: `access key ${k.id} may not play ${bucket}/${channel}` };
    return { kind: 'signed', base, bucket, accessKeyId: k.id, secret: k.secret, expires };
  }
  const isGateway = url.origin === originOf(deps.publicHttpBase);
  if (!deps.s3 || isGateway)
    return { code: 'key-required', reason: `links for ${url.origin} are checked against the gateway's access keys: give a key id (--key / signed.keyId)` };
  return { kind: 'signed', base, bucket, accessKeyId: deps.s3.accessKeyId, secret: deps.s3.secretAccessKey, expires };
}
