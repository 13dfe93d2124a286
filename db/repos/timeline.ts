/**
 * @module db/repos/timeline
 * Read model for the admin console: a channel's sessions overlapping a time window, each with
 * the span its segments cover (from the segment index).
 */
import type { Db } from '../index.ts';
import type { TimelineSpan } from '../../app/core/timeline.ts';

export function sessionSpans(db: Db, channelId: number, fromMs: number, toMs: number): TimelineSpan[] {
  const rows = db.$client
    .prepare(
      `SELECT s.id AS id, s.started_at AS startMs, s.ended_at AS endMs, s.status AS status,
              MIN(g.start_ms) AS recStartMs, MAX(g.start_ms + g.duration_ms) AS recEndMs
         FROM sessions s LEFT JOIN segments g ON g.session_id = s.id
        WHERE s.channel_id = ? AND s.started_at <= ? AND (s.ended_at IS NULL OR s.ended_at >= ? OR s.status = 'live')
        GROUP BY s.id ORDER BY s.started_at`,
    )
    .all(channelId, toMs, fromMs) as { id: number; startMs: number; endMs: number | null; status: string; recStartMs: number | null; recEndMs: number | null }[];
  return rows.map((r) => ({
    id: r.id,
    startMs: r.startMs,
    endMs: r.status === 'live' ? null : (r.endMs ?? r.startMs),
    ...(r.recStartMs !== null && r.recEndMs !== null ? { recStartMs: r.recStartMs, recEndMs: r.recEndMs } : {}),
  }));
}
