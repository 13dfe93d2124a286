/**
 * @module db/repos/channels
 * LiveChannels: bucket + name, status, playlist name, FragDuration/FragCount (OSS limits 1-100).
 */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../index.ts';
import { channels, sessions, type Channel } from '../schema.ts';
import { checkBucket, checkChannel, checkPlaylistName } from '../../app/core/names.ts';

export interface ChannelInput {
  description?: string;
  status?: 'enabled' | 'disabled';
  playlistName?: string;
  fragDuration?: number;
  fragCount?: number;
  retentionDays?: number | null;
}

export function validateChannelInput(o: ChannelInput): void {
  if (o.playlistName !== undefined) {
    const c = checkPlaylistName(o.playlistName);
    if (!c.ok) throw new Error(c.reason);
  }
  for (const [k, v] of [['FragDuration', o.fragDuration], ['FragCount', o.fragCount]] as const)
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 100)) throw new Error(`${k} must be an integer in 1..100, got ${v}`);
  if (o.retentionDays != null && (!Number.isInteger(o.retentionDays) || o.retentionDays < 1 || o.retentionDays > 36500))
    throw new Error(`retention must be 1..36500 days, got ${o.retentionDays}`);
  if (o.description !== undefined && o.description.length > 128) throw new Error('description is at most 128 characters');
  if (o.status !== undefined && o.status !== 'enabled' && o.status !== 'disabled') throw new Error("status must be 'enabled' or 'disabled'");
}

export function getChannel(db: Db, bucket: string, name: string): Channel | undefined {
  return db.select().from(channels).where(and(eq(channels.bucket, bucket), eq(channels.name, name))).get();
}

export function getChannelById(db: Db, id: number): Channel | undefined {
  return db.select().from(channels).where(eq(channels.id, id)).get();
}

/** create, or overwrite the settings of an existing channel (OSS PutLiveChannel semantics) */
export function upsertChannel(db: Db, bucket: string, name: string, o: ChannelInput = {}): { channel: Channel; created: boolean } {
  for (const c of [checkBucket(bucket), checkChannel(name)]) if (!c.ok) throw new Error(c.reason);
  validateChannelInput(o);
  const now = Date.now();
  const existing = getChannel(db, bucket, name);
  if (existing) {
    const channel = db.update(channels).set({ ...definedOnly(o), updatedAt: now }).where(eq(channels.id, existing.id)).returning().get();
    return { channel, created: false };
  }
  const channel = db.insert(channels).values({ bucket, name, ...definedOnly(o), createdAt: now, updatedAt: now }).returning().get();
  return { channel, created: true };
}

export function updateChannel(db: Db, id: number, o: ChannelInput): Channel {
  validateChannelInput(o);
  return db.update(channels).set({ ...definedOnly(o), updatedAt: Date.now() }).where(eq(channels.id, id)).returning().get();
}

export function listChannels(db: Db, o: { bucket?: string; prefix?: string; marker?: string; limit?: number } = {}): Channel[] {
  const conds = [];
  if (o.bucket) conds.push(eq(channels.bucket, o.bucket));
  // exact, case-sensitive prefix (LIKE is case-insensitive in SQLite and has no default escape)
  if (o.prefix) conds.push(sql`substr(${channels.name}, 1, ${o.prefix.length}) = ${o.prefix}`);
  if (o.marker) conds.push(gt(channels.name, o.marker));
  let q = db.select().from(channels).where(conds.length ? and(...conds) : undefined).orderBy(asc(channels.bucket), asc(channels.name)).$dynamic();
  if (o.limit) q = q.limit(o.limit);
  return q.all();
}

/** deletes the channel with its sessions, index rows and VOD records; the objects stay in the bucket (as OSS DeleteLiveChannel) */
export function deleteChannel(db: Db, id: number): void {
  db.$client.transaction(() => {
    db.$client.prepare('DELETE FROM vod_playlists WHERE channel_id = ?').run(id);
    db.$client.prepare('DELETE FROM segments WHERE channel_id = ?').run(id);
    db.$client.prepare('DELETE FROM sessions WHERE channel_id = ?').run(id);
    db.delete(channels).where(eq(channels.id, id)).run();
  })();
}

export function isLive(db: Db, channelId: number): boolean {
  return !!db.select({ id: sessions.id }).from(sessions).where(and(eq(sessions.channelId, channelId), eq(sessions.status, 'live'))).get();
}

/** reserve `n` media-sequence numbers atomically; returns the first */
export function reserveSeq(db: Db, channelId: number, n = 1): number {
  const row = db.update(channels).set({ nextSeq: sql`${channels.nextSeq} + ${n}` }).where(eq(channels.id, channelId)).returning({ next: channels.nextSeq }).get();
  return row.next - n;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
