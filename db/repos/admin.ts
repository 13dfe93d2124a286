/**
 * @module db/repos/admin
 * Admin users and their sessions. A session row holds the sha256 of the cookie token (never the
 * token) and the session's CSRF token.
 */
import { eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../index.ts';
import { adminSessions, adminUsers } from '../schema.ts';

export type AdminUser = typeof adminUsers.$inferSelect;
export type AdminSession = typeof adminSessions.$inferSelect;

export function countAdmins(db: Db): number {
  return Number(db.select({ n: sql<number>`count(*)` }).from(adminUsers).get()?.n ?? 0);
}

export function getAdminByName(db: Db, username: string): AdminUser | undefined {
  return db.select().from(adminUsers).where(eq(adminUsers.username, username)).get();
}

export function getAdminById(db: Db, id: number): AdminUser | undefined {
  return db.select().from(adminUsers).where(eq(adminUsers.id, id)).get();
}

export function createAdmin(db: Db, username: string, passwordHash: string, now = Date.now()): AdminUser {
  return db.insert(adminUsers).values({ username, passwordHash, createdAt: now }).returning().get();
}

export function insertAdminSession(db: Db, o: { tokenHash: string; userId: number; csrf: string; ttlMs: number; now?: number }): AdminSession {
  const now = o.now ?? Date.now();
  return db.insert(adminSessions).values({ tokenHash: o.tokenHash, userId: o.userId, csrf: o.csrf, createdAt: now, expiresAt: now + o.ttlMs }).returning().get();
}

/** the live session for a token hash; expired rows are removed on the way */
export function findAdminSession(db: Db, tokenHash: string, now = Date.now()): AdminSession | undefined {
  const s = db.select().from(adminSessions).where(eq(adminSessions.tokenHash, tokenHash)).get();
  if (s && s.expiresAt <= now) {
    deleteAdminSession(db, tokenHash);
    return undefined;
  }
  return s;
}

export function deleteAdminSession(db: Db, tokenHash: string): void {
  db.delete(adminSessions).where(eq(adminSessions.tokenHash, tokenHash)).run();
}

export function pruneAdminSessions(db: Db, now = Date.now()): void {
  db.delete(adminSessions).where(lt(adminSessions.expiresAt, now)).run();
}
