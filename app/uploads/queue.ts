/**
 * @module uploads
 * Durable upload queue: a segment is a row (state 'spooled') plus a file in the spool before it
 * is ever enqueued; it leaves the spool only after storage acknowledged the PUT. Per channel,
 * uploads run one at a time in sequence order (so the stored segments are always a prefix and
 * the live playlist never names a missing one); channels run in parallel up to a bound.
 * Failures are retried with capped exponential backoff, forever: a segment is never dropped.
 */
import fs from 'node:fs/promises';
import type { Db } from '../../db/index.ts';
import type { Segment } from '../../db/schema.ts';
import { pendingSegments, markStored, markAttemptFailed, markLost, backlog } from '../../db/repos/segments.ts';
import { getChannelById } from '../../db/repos/channels.ts';
import { NoSuchBucketError, type Storage } from '../storage/types.ts';
import { getRetryDelay, UPLOAD_RETRY, type RetryPolicy } from '../core/backoff.ts';
import { formatDuration } from '../core/object-keys.ts';
import { logger } from '../log.ts';
import type { LivePlaylistWriter } from './live-playlist.ts';

const log = logger('uploads');

export interface UploadEvents {
  /** a segment object is stored (for the playback hot cache) */
  onSegmentStored?(bucket: string, key: string, body: Uint8Array, durationMs: number): void;
}

export interface Uploader {
  enqueue(seg: Segment): void;
  /** enqueue everything the index still marks as spooled (start-up, after a crash) */
  recover(): number;
  /** resolves when nothing is pending, or after timeoutMs; returns how many are still pending */
  drain(timeoutMs: number): Promise<number>;
  stats(): { pending: number; pendingBytes: number; retries: number; stored: number; failingChannels: number };
  stop(): void;
}

export function createUploader(o: {
  db: Db;
  storage: Storage;
  playlists: LivePlaylistWriter;
  events?: UploadEvents;
  maxParallelChannels?: number;
  retry?: RetryPolicy;
}): Uploader {
  const queues = new Map<number, Segment[]>(); // channelId -> FIFO
  const queued = new Set<number>(); // segment ids known to the queue
  const running = new Set<number>();
  const failing = new Set<number>();
  const maxParallel = o.maxParallelChannels ?? 8;
  const retry = o.retry ?? UPLOAD_RETRY;
  let retries = 0;
  let stored = 0;
  let stopped = false;
  const idleWaiters: (() => void)[] = [];

  const pump = () => {
    if (stopped) return;
    for (const [channelId, q] of queues) {
      if (running.size >= maxParallel) break;
      if (running.has(channelId) || q.length === 0) continue;
      running.add(channelId);
      void work(channelId, q).finally(() => {
        running.delete(channelId);
        if (q.length === 0) queues.delete(channelId);
        if (queues.size === 0) idleWaiters.splice(0).forEach((f) => f());
        pump();
      });
    }
  };

  const work = async (channelId: number, q: Segment[]) => {
    while (q.length && !stopped) {
      const seg = q[0]!;
      const channel = getChannelById(o.db, channelId);
      if (!channel) {
        log.error(`segment ${seg.key}: channel ${channelId} no longer exists; keeping it in the spool`);
        q.shift();
        queued.delete(seg.id);
        continue;
      }
      let attempt = 0;
      for (;;) {
        if (stopped) return;
        try {
          const body = await fs.readFile(seg.spoolPath!);
          await o.storage.put(channel.bucket, seg.key, body, {
            contentType: 'video/mp2t',
            metadata: { extinf: formatDuration(seg.durationMs / 1000) },
            cacheControl: 'public, max-age=31536000, immutable',
          });
          // stopped meanwhile (shutdown closed the db): the row stays spooled, the next start PUTs it again (same key)
          if (stopped) return;
          markStored(o.db, seg.id);
          stored += 1;
          await fs.unlink(seg.spoolPath!).catch(() => {});
          o.events?.onSegmentStored?.(channel.bucket, seg.key, body, seg.durationMs);
          if (failing.delete(channelId)) log.info(`${channel.bucket}/${channel.name}: storage reachable again after ${attempt} retries`);
          break;
        } catch (e) {
          if (stopped) return;
          const err = e as NodeJS.ErrnoException;
          if (err.code === 'ENOENT' && err.path === seg.spoolPath) {
            // the file vanished from the spool: nothing left to upload; record the loss loudly
            log.error(`segment ${channel.bucket}/${seg.key}: spool file missing (${seg.spoolPath}); cannot upload`);
            markLost(o.db, seg.id, 'spool file missing');
            break;
          }
          attempt += 1;
          retries += 1;
          if (e instanceof NoSuchBucketError) await o.storage.ensureBucket(channel.bucket).catch(() => {});
          markAttemptFailed(o.db, seg.id, err.message ?? String(e));
          const delay = getRetryDelay(retry, attempt);
          // one line when a channel starts failing, then quiet (counts are in stats)
          if (!failing.has(channelId)) {
            failing.add(channelId);
            log.warn(`${channel.bucket}/${seg.key}: upload failed (${err.message}); retrying with backoff, the segment stays in the spool`);
          }
          await sleep(delay);
        }
      }
      q.shift();
      queued.delete(seg.id);
      // the playlist names only stored segments; it is rewritten after each one
      await o.playlists.write(channelId);
    }
  };

  return {
    enqueue(seg) {
      if (queued.has(seg.id)) return;
      queued.add(seg.id);
      let q = queues.get(seg.channelId);
      if (!q) queues.set(seg.channelId, (q = []));
      q.push(seg);
      pump();
    },
    recover() {
      const rows = pendingSegments(o.db);
      for (const s of rows) this.enqueue(s);
      if (rows.length) log.info(`recovered ${rows.length} spooled segment(s) from a previous run; uploading`);
      return rows.length;
    },
    drain(timeoutMs) {
      return new Promise((resolve) => {
        const done = () => resolve(queued.size);
        if (queues.size === 0) return done();
        const t = setTimeout(done, timeoutMs);
        idleWaiters.push(() => {
          clearTimeout(t);
          done();
        });
      });
    },
    stats() {
      const b = backlog(o.db);
      return { pending: b.count, pendingBytes: b.bytes, retries, stored, failingChannels: failing.size };
    },
    stop() {
      stopped = true;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
