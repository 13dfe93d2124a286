/**
 * @module playback/cache
 * The hot path of playback: an LRU (bounded by bytes) of objects by bucket/key. The write side
 * feeds it the live playlists and fresh segments of channels published on this gateway (through
 * callbacks wired in gateway.ts); misses are read from storage once, however many viewers ask at the
 * same time (single-flight). Segments are immutable and kept until evicted; playlists go stale within seconds
 * and are then refreshed in the background while the stale copy is still served (at most SWR_MS).
 */
import { createHash } from 'node:crypto';
import { NotFoundError } from '../storage/types.ts';

export interface CachedObject {
  body: Uint8Array;
  /** quoted, like S3's: md5 of the body for a single-part object */
  etag: string;
  /** epoch ms after which the entry is stale; undefined = until evicted */
  staleAt?: number;
  /** one-slot memo for per-link derived bodies (rewritten playlists) */
  memo?: { tag: string; value: unknown };
}

export interface PlaybackCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  loads: number;
  coalesced: number;
}

export interface PlaybackCache {
  /** from the live playlist writer: the playlist as just stored */
  putPlaylist(bucket: string, key: string, body: string, live: boolean): void;
  /** from the upload queue: a segment as just stored */
  putSegment(bucket: string, key: string, body: Uint8Array): void;
  /** fresh entry or undefined */
  get(bucket: string, key: string): CachedObject | undefined;
  /**
   * get, else run load once for all concurrent callers and keep the result for ttlMs (undefined = until
   * evicted); an entry past ttlMs is still answered while a single refresh runs in the background
   */
  load(bucket: string, key: string, loader: () => Promise<Uint8Array>, ttlMs?: number): Promise<CachedObject>;
  stats(): PlaybackCacheStats;
}

/** a live playlist is rewritten at every segment; if that stops, viewers must see storage again soon */
const LIVE_PLAYLIST_TTL_MS = 30_000;
const ENDED_PLAYLIST_TTL_MS = 5_000;
/** a stale entry is still served (while one refresh runs) for this long past its freshness limit */
const SWR_MS = 10_000;

export const md5Etag = (body: Uint8Array) => `"${createHash('md5').update(body).digest('hex')}"`;

export function createPlaybackCache(o: { maxBytes: number; now?: () => number }): PlaybackCache {
  const now = o.now ?? Date.now;
  const entries = new Map<string, CachedObject>(); // insertion order = LRU order
  const inflight = new Map<string, Promise<CachedObject>>();
  // one object may take at most 1/8 of the cache, so a few big objects cannot flush the hot set
  const maxEntry = Math.floor(o.maxBytes / 8);
  let bytes = 0;
  // order of sets and load starts, so a slow read never replaces a newer put
  let seq = 0;
  const born = new WeakMap<CachedObject, number>();
  const st = { hits: 0, misses: 0, loads: 0, coalesced: 0 };

  const id = (bucket: string, key: string) => `${bucket}/${key}`;

  const remove = (k: string) => {
    const e = entries.get(k);
    if (!e) return;
    entries.delete(k);
    bytes -= e.body.byteLength;
  };

  const set = (k: string, e: CachedObject): CachedObject => {
    remove(k);
    born.set(e, (seq += 1));
    if (e.body.byteLength > maxEntry) return e; // served, not kept
    entries.set(k, e);
    bytes += e.body.byteLength;
    for (const [old] of entries) {
      if (bytes <= o.maxBytes) break;
      remove(old);
    }
    return e;
  };

  /** the entry and whether it is still fresh; entries stale for longer than SWR_MS are dropped */
  const peek = (k: string): { e: CachedObject; fresh: boolean } | undefined => {
    const e = entries.get(k);
    if (!e) return undefined;
    const t = now();
    if (e.staleAt !== undefined && t >= e.staleAt + SWR_MS) {
      remove(k);
      return undefined;
    }
    entries.delete(k); // move to the young end
    entries.set(k, e);
    return { e, fresh: e.staleAt === undefined || t < e.staleAt };
  };

  const get = (bucket: string, key: string): CachedObject | undefined => {
    const p = peek(id(bucket, key));
    return p?.fresh ? p.e : undefined;
  };

  const startLoad = (k: string, loader: () => Promise<Uint8Array>, ttlMs: number | undefined): Promise<CachedObject> => {
    const running = inflight.get(k);
    if (running) {
      st.coalesced += 1;
      return running;
    }
    st.loads += 1;
    const started = (seq += 1);
    const p = loader()
      .then((body) => {
        const loaded: CachedObject = { body, etag: md5Etag(body), ...(ttlMs !== undefined ? { staleAt: now() + ttlMs } : {}) };
        // the write side may have put a newer copy while this read was under way: keep that one
        const current = entries.get(k);
        return current && (born.get(current) ?? 0) > started ? current : set(k, loaded);
      })
      .finally(() => inflight.delete(k));
    inflight.set(k, p);
    return p;
  };

  return {
    putPlaylist(bucket, key, body, live) {
      const b = new TextEncoder().encode(body);
      set(id(bucket, key), { body: b, etag: md5Etag(b), staleAt: now() + (live ? LIVE_PLAYLIST_TTL_MS : ENDED_PLAYLIST_TTL_MS) });
    },
    putSegment(bucket, key, body) {
      set(id(bucket, key), { body, etag: md5Etag(body) });
    },
    get,
    load(bucket, key, loader, ttlMs) {
      const k = id(bucket, key);
      const p = peek(k);
      if (p?.fresh) {
        st.hits += 1;
        return Promise.resolve(p.e);
      }
      if (p) {
        // stale-while-revalidate: viewers never wait for the refresh of a playlist they already have
        st.hits += 1;
        // a vanished object is dropped; on other failures the stale copy stays until SWR_MS is over
        startLoad(k, loader, ttlMs).catch((e) => e instanceof NotFoundError && remove(k));
        return Promise.resolve(p.e);
      }
      st.misses += 1;
      return startLoad(k, loader, ttlMs);
    },
    stats: () => ({ entries: entries.size, bytes, ...st }),
  };
}
