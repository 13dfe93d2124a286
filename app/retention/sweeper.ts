/**
 * @module retention/sweeper
 * Per-channel retention (channels.retention_days): stored segments that ended more than N days
 * before `now` are deleted, objects first (storage.delete) and then their index rows, in batches.
 * Never touched: segments of a live session, segments still in the spool, and (unless includeVod)
 * segments inside the time range of a stored VOD playlist. In: db, storage, now. Out: counts.
 */
import type { Db } from '../../db/index.ts';
import { listChannels } from '../../db/repos/channels.ts';
import type { Storage } from '../storage/types.ts';
import { logger } from '../log.ts';

const log = logger('retention');
const DAY_MS = 86_400_000;

export interface SweepOptions {
  db: Db;
  storage: Storage;
  now?: number;
  /** rows and objects per round trip (S3 DeleteObjects takes at most 1000) */
  batchSize?: number;
  /** also delete segments that a stored VOD playlist names (its playlist then names missing objects) */
  includeVod?: boolean;
}

export interface SweepResult {
  channels: number;
  deleted: number;
  batches: number;
  /** expired but kept because a stored VOD playlist covers them */
  keptForVod: number;
  /** channels whose deletes failed (retried at the next sweep) */
  failed: number;
}

interface Row { id: number; key: string }

export async function sweepRetention(o: SweepOptions): Promise<SweepResult> {
  const now = o.now ?? Date.now();
  const batch = Math.min(Math.max(o.batchSize ?? 500, 1), 1000);
  const res: SweepResult = { channels: 0, deleted: 0, batches: 0, keptForVod: 0, failed: 0 };
  const sql = o.db.$client;
  // expired = ended before the cutoff, uploaded, not part of a live session
  const expired = `FROM segments s
    WHERE s.channel_id = @ch AND s.state = 'stored' AND s.start_ms + s.duration_ms < @cutoff
      AND (s.session_id IS NULL OR NOT EXISTS (SELECT 1 FROM sessions x WHERE x.id = s.session_id AND x.status = 'live'))`;
  const vodCovered = `EXISTS (SELECT 1 FROM vod_playlists v WHERE v.channel_id = s.channel_id
      AND s.start_ms BETWEEN v.start_s * 1000 AND v.end_s * 1000 + 999)`;
  const pick = sql.prepare<{ ch: number; cutoff: number; after: number; lim: number }, Row>(
    `SELECT s.id, s.key ${expired} AND s.id > @after ${o.includeVod ? '' : `AND NOT ${vodCovered}`} ORDER BY s.id LIMIT @lim`,
  );
  const countVod = sql.prepare<{ ch: number; cutoff: number }, { n: number }>(`SELECT count(*) AS n ${expired} AND ${vodCovered}`);
  const del = sql.prepare<[number]>('DELETE FROM segments WHERE id = ?');
  const delRows = sql.transaction((ids: number[]) => {
    for (const id of ids) del.run(id);
  });

  for (const ch of listChannels(o.db)) {
    if (!ch.retentionDays) continue;
    res.channels += 1;
    const cutoff = now - ch.retentionDays * DAY_MS;
    if (!o.includeVod) res.keptForVod += countVod.get({ ch: ch.id, cutoff })?.n ?? 0;
    let after = 0;
    let deleted = 0;
    for (;;) {
      const rows = pick.all({ ch: ch.id, cutoff, after, lim: batch });
      if (rows.length === 0) break;
      try {
        await o.storage.delete(ch.bucket, rows.map((r) => r.key));
      } catch (e) {
        // rows stay, so the next sweep deletes these objects again (deleting a missing key is fine)
        log.warn(`${ch.bucket}/${ch.name}: deleting ${rows.length} expired segment(s) failed (${(e as Error).message}); retrying at the next sweep`);
        res.failed += 1;
        break;
      }
      delRows(rows.map((r) => r.id));
      deleted += rows.length;
      res.batches += 1;
      after = rows.at(-1)!.id;
      if (rows.length < batch) break;
    }
    if (deleted) log.info(`${ch.bucket}/${ch.name}: deleted ${deleted} segment(s) older than ${ch.retentionDays} day(s)`);
    res.deleted += deleted;
  }
  return res;
}

export interface RetentionSweeper {
  /** one sweep now (also what the timer runs); sweeps never overlap */
  run(now?: number): Promise<SweepResult>;
  stop(): Promise<void>;
}

/** sweeps every intervalMs (0 = never on a timer; run() still works) */
export function startRetentionSweeper(o: Omit<SweepOptions, 'now'> & { intervalMs: number }): RetentionSweeper {
  let running: Promise<SweepResult> | undefined;
  const run = (now?: number) => {
    running ??= sweepRetention({ ...o, now }).finally(() => (running = undefined));
    return running;
  };
  const timer = o.intervalMs > 0 ? setInterval(() => void run().catch((e) => log.error(`sweep failed: ${(e as Error).message}`)), o.intervalMs) : undefined;
  timer?.unref();
  return {
    run,
    // a sweep in flight finishes before the db closes
    stop: async () => {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
