/**
 * @module playback
 * Signed playback (read side): `GET|HEAD|OPTIONS /<bucket>/<channel>/<object>?<signed query>` in,
 * the object out — playlists rewritten so each segment URI carries its own signature, segments with
 * Range and ETag, CORS on every answer. Objects come from the hot cache, else from storage once.
 * Never imports the write side; gateway.ts feeds the cache.
 */
import type { Context, Hono } from 'hono';
import type { AppDeps } from '../http/deps.ts';
import { RESERVED_PREFIXES } from '../http/app.ts';
import { rawTarget } from '../http/request.ts';
import { parsePlaybackPath } from '../core/playback-path.ts';
import { parseQuery } from '../core/signing/query.ts';
import { playlistKind, rewritePlaylist } from '../core/playlist/rewrite.ts';
import { NoSuchBucketError, NotFoundError } from '../storage/types.ts';
import { clip } from '../core/names.ts';
import { logger, redact } from '../log.ts';
import { authorizeLink, createKeyLookup } from './auth.ts';
import { createPlaybackCache, md5Etag, type CachedObject, type PlaybackCache } from './cache.ts';
import { makeCors, preflight, s3Error, sendBody } from './respond.ts';

export { createPlaybackCache, type PlaybackCache } from './cache.ts';

const log = logger('playback');

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const SEGMENT_TYPE = 'video/mp2t';
/** a playlist read from storage (not fed by this gateway's writer) is re-read after this long */
const READ_PLAYLIST_TTL_MS = 1000;

const CACHE_CONTROL = {
  live: 'no-cache',
  ended: 'max-age=5',
  vod: 'max-age=60',
  segment: 'public, max-age=31536000, immutable',
} as const;


export function mountPlayback(app: Hono, deps: AppDeps, cache: PlaybackCache = createPlaybackCache({ maxBytes: deps.config.playbackCacheBytes })): void {
  const corsFor = makeCors(deps.config.corsOrigins);
  const keys = createKeyLookup(deps.db);

  const handler = async (c: Context, next: () => Promise<void>) => {
    const target = rawTarget(c);
    const q = target.indexOf('?');
    const rawPath = q < 0 ? target : target.slice(0, q);
    const path = parsePlaybackPath(rawPath, RESERVED_PREFIXES);
    // admin, API, health and single-segment paths ('/', '/favicon.ico') are other mounts' business
    if ((!path.ok && path.reserved) || rawPath.lastIndexOf('/') === 0) return next();
    const cors = corsFor(c.req.header('origin'));
    if (c.req.method === 'OPTIONS') return preflight(cors);
    if (!path.ok) return s3Error(400, 'InvalidURI', path.reason, cors);
    const query = parseQuery(q < 0 ? '' : target.slice(q + 1));
    if (!query.ok) return s3Error(400, 'InvalidArgument', query.reason, cors);

    const method = c.req.method === 'HEAD' ? 'HEAD' : 'GET';
    const auth = authorizeLink({
      params: query.params, bucket: path.bucket, channel: path.channel, key: path.key, method,
      // a fetch Request built in-process (app.request) has no Host header: its URL's host is what was signed
      header: (n) => c.req.header(n) ?? (n === 'host' ? new URL(c.req.url).host : undefined), nowSec: Math.floor(Date.now() / 1000), keys,
    });
    if (!auth.ok) {
      log.debug(`refused ${method} ${redact(target.slice(0, 300))}: ${auth.reason}`);
      return s3Error(403, auth.code, auth.reason, cors);
    }

    let obj: CachedObject;
    try {
      obj = await cache.load(
        path.bucket, path.key,
        async () => (await deps.storage.get(path.bucket, path.key)).body,
        path.kind === 'playlist' ? READ_PLAYLIST_TTL_MS : undefined,
      );
    } catch (e) {
      if (e instanceof NotFoundError) return s3Error(404, 'NoSuchKey', `no such object: ${path.bucket}/${path.key}`, cors);
      if (e instanceof NoSuchBucketError) return s3Error(404, 'NoSuchBucket', `no such bucket: ${path.bucket}`, cors);
      log.warn(`${path.bucket}/${clip(path.key)}: storage read failed: ${(e as Error).message}`);
      return s3Error(503, 'ServiceUnavailable', 'storage unavailable, try again', cors, { 'Retry-After': '1' });
    }

    const req = { range: c.req.header('range'), ifNoneMatch: c.req.header('if-none-match'), ifRange: c.req.header('if-range') };
    if (path.kind === 'segment') {
      return sendBody(req, { body: obj.body, etag: obj.etag, contentType: SEGMENT_TYPE, cacheControl: CACHE_CONTROL.segment }, cors);
    }
    // playlists: rewritten per link; the last rewrite is memoised on the cached entry (1,000 viewers share a link)
    const tag = `${auth.key.id}\n${auth.expires}`;
    let out = obj.memo?.tag === tag ? (obj.memo.value as { body: Uint8Array; etag: string; kind: keyof typeof CACHE_CONTROL }) : undefined;
    if (!out) {
      const text = new TextDecoder().decode(obj.body);
      const body = new TextEncoder().encode(
        rewritePlaylist(text, { bucket: path.bucket, dir: path.channel, accessKeyId: auth.key.id, secret: auth.key.secret, expires: auth.expires }),
      );
      out = { body, etag: md5Etag(body), kind: playlistKind(text) };
      obj.memo = { tag, value: out };
    }
    return sendBody(req, { body: out.body, etag: out.etag, contentType: PLAYLIST_TYPE, cacheControl: CACHE_CONTROL[out.kind] }, cors);
  };

  app.on(['GET', 'OPTIONS'], '/*', handler);
}
