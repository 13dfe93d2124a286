/**
 * @module db/repos/segments
 * The segment index: every segment cut (state 'spooled' until its object is stored, then
 * 'stored'). The live playlist window and VOD ranges are read from here, never by listing S3.
 */
import { and, asc, desc, eq, gte, isNotNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../index.ts';
import { segments, sessions, type Segment } from '../schema.ts';
import { reserveSeq } from './channels.ts';
import { segmentKey } from '../../app/core/object-keys.ts';

export function insertSegment(db: Db, s: Omit<Segment, 'id' | 'attempts' | 'lastError' | 'storedAt' | 'createdAt'> & { createdAt?: number }): Segment {
  return db.insert(segments).values({ ...s, createdAt: s.createdAt ?? Date.now() }).returning().get();
}

/**
 * a freshly cut segment of a session: the next media sequence number, the row in the spooled state, and the
 * session's counters; call it inside the caller's transaction (ingest and spool recovery both do)
 */
export function addSpooledSegment(db: Db, s: { channelId: number; sessionId: number; discSeq: number; channelName: string; startMs: number; durationMs: number; size: number; spoolPath: string }): Segment {
  const row = insertSegment(db, {
    channelId: s.channelId, sessionId: s.sessionId, seq: reserveSeq(db, s.channelId), discSeq: s.discSeq, key: segmentKey(s.channelName, s.startMs),
    startMs: s.startMs, durationMs: s.durationMs, size: s.size, state: 'spooled', spoolPath: s.spoolPath,
  });
  db.update(sessions).set({ segments: sql`${sessions.segments} + 1`, bytes: sql`${sessions.bytes} + ${s.size}` }).where(eq(sessions.id, s.sessionId)).run();
  return row;
}

export function markStored(db: Db, id: number, now = Date.now()): void {
  db.update(segments).set({ state: 'stored', storedAt: now, spoolPath: null, lastError: null }).where(eq(segments.id, id)).run();
}

export function markLost(db: Db, id: number, reason: string): void {
  db.update(segments).set({ state: 'lost', spoolPath: null, lastError: reason.slice(0, 500) }).where(eq(segments.id, id)).run();
}

export function markAttemptFailed(db: Db, id: number, error: string): void {
  db.update(segments).set({ attempts: sql`${segments.attempts} + 1`, lastError: error.slice(0, 500) }).where(eq(segments.id, id)).run();
}

export function pendingSegments(db: Db): Segment[] {
  return db.select().from(segments).where(eq(segments.state, 'spooled')).orderBy(asc(segments.channelId), asc(segments.seq)).all();
}

/**
 * the newest `n` stored segments of a channel recorded by ingest, oldest first: the live playlist window.
 * Rows an index rebuild added (no session) are old recordings and never enter a live playlist.
 */
export function liveWindow(db: Db, channelId: number, n: number): Segment[] {
  return db
    .select()
    .from(segments)
    .where(and(eq(segments.channelId, channelId), eq(segments.state, 'stored'), isNotNull(segments.sessionId)))
    .orderBy(desc(segments.seq))
    .limit(n)
    .all()
    .reverse();
}

/** segments whose start lies in [fromMs, toMs], in time order */
export function segmentsInRange(db: Db, channelId: number, fromMs: number, toMs: number): Segment[] {
  return db
    .select()
    .from(segments)
    .where(and(eq(segments.channelId, channelId), gte(segments.startMs, fromMs), lte(segments.startMs, toMs)))
    .orderBy(asc(segments.startMs))
    .all();
}

export function sessionSegments(db: Db, sessionId: number): Segment[] {
  return db.select().from(segments).where(eq(segments.sessionId, sessionId)).orderBy(asc(segments.seq)).all();
}

export function lastSegment(db: Db, channelId: number): Segment | undefined {
  return db.select().from(segments).where(eq(segments.channelId, channelId)).orderBy(desc(segments.seq)).limit(1).get();
}

export function backlog(db: Db, channelId?: number): { count: number; bytes: number } {
  const row = db
    .select({ count: sql<number>`count(*)`, bytes: sql<number>`coalesce(sum(${segments.size}), 0)` })
    .from(segments)
    .where(channelId === undefined ? eq(segments.state, 'spooled') : and(eq(segments.state, 'spooled'), eq(segments.channelId, channelId)))
    .get();
  return { count: Number(row?.count ?? 0), bytes: Number(row?.bytes ?? 0) };
}
