/**
 * @module db/repos/sessions
 * Publish sessions: one row per accepted encoder connection, closed with an end time and reason.
 */
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../index.ts';
import { sessions, type Session } from '../schema.ts';

export function openSession(db: Db, o: { channelId: number; remoteAddr: string; accessKeyId?: string; playlistName: string; targetDuration: number; now?: number }): Session {
  return db
    .insert(sessions)
    .values({ channelId: o.channelId, remoteAddr: o.remoteAddr, accessKeyId: o.accessKeyId, playlistName: o.playlistName, targetDuration: o.targetDuration, startedAt: o.now ?? Date.now(), status: 'live' })
    .returning()
    .get();
}

export function closeSession(db: Db, id: number, reason: string, now = Date.now()): void {
  db.update(sessions).set({ status: 'ended', endedAt: now, endReason: reason }).where(and(eq(sessions.id, id), eq(sessions.status, 'live'))).run();
}

export function updateSession(db: Db, id: number, o: Partial<Omit<Session, 'id' | 'channelId'>>): void {
  db.update(sessions).set(o).where(eq(sessions.id, id)).run();
}

export function getSession(db: Db, id: number): Session | undefined {
  return db.select().from(sessions).where(eq(sessions.id, id)).get();
}

export function liveSessions(db: Db): Session[] {
  return db.select().from(sessions).where(eq(sessions.status, 'live')).all();
}

export function channelHistory(db: Db, channelId: number, limit = 10): Session[] {
  return db.select().from(sessions).where(eq(sessions.channelId, channelId)).orderBy(desc(sessions.startedAt), desc(sessions.id)).limit(limit).all();
}

export function lastSession(db: Db, channelId: number): Session | undefined {
  return channelHistory(db, channelId, 1)[0];
}
