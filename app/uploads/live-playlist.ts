/**
 * @module uploads/live-playlist
 * Writes `<channel>/<playlistName>` from the segment index after segments are stored. A failed
 * write is retried with backoff (the next segment would also rewrite it; the last one of a
 * session must not be lost). ENDLIST is added once the encoder stayed away for the grace period.
 */
import type { Db } from '../../db/index.ts';
import { getChannelById } from '../../db/repos/channels.ts';
import { lastSession, updateSession } from '../../db/repos/sessions.ts';
import { backlog, liveWindow } from '../../db/repos/segments.ts';
import { buildLivePlaylist, liveTargetDuration } from '../core/playlist/live.ts';
import { playlistKey } from '../core/object-keys.ts';
import { getRetryDelay, UPLOAD_RETRY } from '../core/backoff.ts';
import type { Storage } from '../storage/types.ts';
import { logger } from '../log.ts';

const log = logger('playlist');

export interface LivePlaylistWriter {
  /** rewrite the channel's live playlist now; never throws (failures are retried in the background) */
  write(channelId: number): Promise<void>;
  /** the encoder left: add ENDLIST after the grace period unless a new session started */
  sessionEnded(channelId: number, sessionId: number): void;
  stop(): void;
}

export function createLivePlaylistWriter(o: {
  db: Db;
  storage: Storage;
  endGraceMs: number;
  onWritten?(bucket: string, key: string, body: string, live: boolean): void;
  now?: () => number;
}): LivePlaylistWriter {
  const now = o.now ?? Date.now;
  const retryTimers = new Map<number, NodeJS.Timeout>();
  const endTimers = new Map<number, NodeJS.Timeout>();
  const attempts = new Map<number, number>();
  const chains = new Map<number, Promise<void>>();
  let stopped = false;

  const writeOnce = async (channelId: number) => {
    const channel = getChannelById(o.db, channelId);
    if (!channel) return;
    const session = lastSession(o.db, channelId);
    if (!session) return;
    const window = liveWindow(o.db, channelId, channel.fragCount);
    if (window.length === 0) return;
    const target = liveTargetDuration(session.targetDuration, window);
    if (target > session.targetDuration) updateSession(o.db, session.id, { targetDuration: target });
    // ENDLIST only once every segment is stored: players that saw ENDLIST never look at the playlist again
    const ended = session.status === 'ended' && now() - (session.endedAt ?? 0) >= o.endGraceMs && backlog(o.db, channelId).count === 0;
    const body = buildLivePlaylist({ window, targetDuration: target, ended, uriOf: (s) => `${String(s.startMs).padStart(13, '0')}.ts` });
    const key = playlistKey(channel.name, session.playlistName);
    await o.storage.put(channel.bucket, key, new TextEncoder().encode(body), {
      contentType: 'application/x-mpegURL',
      cacheControl: 'no-cache',
    });
    o.onWritten?.(channel.bucket, key, body, !ended);
  };

  const write = (channelId: number): Promise<void> => {
    // serialise writes per channel so an older body never lands after a newer one
    const prev = chains.get(channelId) ?? Promise.resolve();
    const next = prev.then(async () => {
      if (stopped) return;
      clearTimeout(retryTimers.get(channelId));
      retryTimers.delete(channelId);
      try {
        await writeOnce(channelId);
        attempts.delete(channelId);
      } catch (e) {
        const n = (attempts.get(channelId) ?? 0) + 1;
        attempts.set(channelId, n);
        if (n === 1) log.warn(`channel ${channelId}: playlist write failed (${(e as Error).message}); retrying`);
        retryTimers.set(channelId, setTimeout(() => void write(channelId), getRetryDelay(UPLOAD_RETRY, n)));
      }
    });
    chains.set(channelId, next);
    return next;
  };

  return {
    write,
    sessionEnded(channelId, sessionId) {
      clearTimeout(endTimers.get(channelId));
      endTimers.set(
        channelId,
        setTimeout(() => {
          endTimers.delete(channelId);
          const s = lastSession(o.db, channelId);
          if (s && s.id === sessionId && s.status === 'ended') void write(channelId);
        }, o.endGraceMs + 10),
      );
    },
    stop() {
      stopped = true;
      for (const t of [...retryTimers.values(), ...endTimers.values()]) clearTimeout(t);
    },
  };
}
