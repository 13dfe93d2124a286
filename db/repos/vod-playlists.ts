/**
 * @module db/repos/vod-playlists
 * VOD playlists stored in a bucket: which channel, name, time range and how many segments.
 */
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../index.ts';
import { vodPlaylists } from '../schema.ts';

export type VodPlaylist = typeof vodPlaylists.$inferSelect;

/** one row per store; storing the same name again replaces the row (the object was overwritten too) */
export function recordVodPlaylist(db: Db, o: { channelId: number; name: string; startS: number; endS: number; segments: number; now?: number }): VodPlaylist {
  return db.$client.transaction(() => {
    db.delete(vodPlaylists).where(and(eq(vodPlaylists.channelId, o.channelId), eq(vodPlaylists.name, o.name))).run();
    return db
      .insert(vodPlaylists)
      .values({ channelId: o.channelId, name: o.name, startS: o.startS, endS: o.endS, segments: o.segments, createdAt: o.now ?? Date.now() })
      .returning()
      .get();
  })();
}

export function listVodPlaylists(db: Db, channelId: number, limit = 100): VodPlaylist[] {
  return db.select().from(vodPlaylists).where(eq(vodPlaylists.channelId, channelId)).orderBy(desc(vodPlaylists.createdAt), desc(vodPlaylists.id)).limit(limit).all();
}
