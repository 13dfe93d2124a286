/**
 * @module segmenter/recorder
 * The life of one publish session: a session row, a supervised segmenter writing into the
 * session's spool folder, and a segment-index row per finished segment (persisted before it is
 * handed on). In: accepted publications. Out: onSegmentRecorded(row) for the upload queue.
 */
import path from 'node:path';
import type { Db } from '../../db/index.ts';
import type { Segment } from '../../db/schema.ts';
import { channels } from '../../db/schema.ts';
import { eq, sql } from 'drizzle-orm';
import { getChannelById } from '../../db/repos/channels.ts';
import { getKey, keyCovers } from '../../db/repos/keys.ts';
import { openSession, closeSession, updateSession } from '../../db/repos/sessions.ts';
import { addSpooledSegment, lastSegment, backlog } from '../../db/repos/segments.ts';
import { initialTargetDuration } from '../core/playlist/live.ts';
import { startSegmenter, type Segmenter } from './segmenter.ts';
import type { Publication } from '../ingest/rtmp-server.ts';
import type { PublishContext } from '../ingest/publish-auth.ts';
import { measured, type StreamInfo } from '../ingest/stream-info.ts';
import { logger } from '../log.ts';

const log = logger('recorder');

export interface LiveEntry {
  sessionId: number;
  channelId: number;
  bucket: string;
  channel: string;
  remote: string;
  startedAt: number;
  info: StreamInfo;
  segments: number;
  close(reason: string): void;
}

export interface Recorder {
  isBusy(bucket: string, channel: string): boolean;
  start(pub: Publication<PublishContext>): void;
  live(): LiveEntry[];
  /** cut the encoder of a channel (disabled, deleted); false when it was not live */
  cut(bucket: string, channel: string, reason: string): boolean;
  /** end every session and wait for the segmenters to flush (graceful shutdown) */
  stopAll(reason: string): Promise<void>;
  /** sessions still being finished */
  finishing(): number;
}

export function createRecorder(o: {
  db: Db;
  ffmpegPath: string;
  ffprobePath: string;
  spoolDir: string;
  spoolMaxBytes: number;
  onSegmentRecorded(seg: Segment): void;
  onSessionEnded(channelId: number, sessionId: number): void;
}): Recorder {
  const live = new Map<string, LiveEntry>();
  const finishing = new Set<Promise<void>>();
  const id = (b: string, c: string) => `${b}/${c}`;

  const persistInfo = (sessionId: number, info: StreamInfo) => {
    const m = measured(info);
    updateSession(o.db, sessionId, {
      videoCodec: info.videoCodec ?? null,
      width: info.width ?? null,
      height: info.height ?? null,
      fps: m.fps ?? null,
      videoKbps: m.videoKbps ?? info.videoKbpsDeclared ?? null,
      audioCodec: info.audioCodec ?? null,
      sampleRate: info.sampleRate ?? null,
      audioKbps: m.audioKbps ?? info.audioKbpsDeclared ?? null,
    });
  };

  return {
    isBusy: (b, c) => live.has(id(b, c)),
    live: () => [...live.values()],
    finishing: () => finishing.size,
    start(pub) {
      const { bucket, channel: ch, playlistName, accessKeyId } = pub.ctx;
      const channel = getChannelById(o.db, ch.id) ?? ch;
      const session = openSession(o.db, { channelId: channel.id, remoteAddr: pub.remote, accessKeyId, playlistName, targetDuration: initialTargetDuration(channel.fragDuration) });
      const label = `${bucket}/${channel.name} session ${session.id}`;
      let firstSegment = true;
      let discSeq = channel.discSeq;
      const entry: LiveEntry = {
        sessionId: session.id, channelId: channel.id, bucket, channel: channel.name, remote: pub.remote,
        startedAt: session.startedAt, info: pub.info, segments: 0, close: (r) => pub.close(r),
      };
      live.set(id(bucket, channel.name), entry);
      log.info(`${label}: live from ${pub.remote}`);

      let segmenter: Segmenter;
      try {
        segmenter = startSegmenter({
          ffmpegPath: o.ffmpegPath,
          ffprobePath: o.ffprobePath,
          dir: path.join(o.spoolDir, String(session.id)),
          fragDurationSec: channel.fragDuration,
          headerTags: () => pub.headerTags(),
          label,
          onSegment(seg) {
            const row = o.db.$client.transaction(() => {
              // a new session after earlier segments, or a restarted segmenter (timestamps begin again), starts a discontinuity
              const bump = firstSegment ? lastSegment(o.db, channel.id) !== undefined : seg.afterRestart;
              firstSegment = false;
              if (bump) discSeq = o.db.update(channels).set({ discSeq: sql`${channels.discSeq} + 1` }).where(eq(channels.id, channel.id)).returning({ d: channels.discSeq }).get().d;
              return addSpooledSegment(o.db, {
                channelId: channel.id, sessionId: session.id, discSeq, channelName: channel.name,
                startMs: seg.startMs, durationMs: seg.durationMs, size: seg.size, spoolPath: seg.path,
              });
            })();
            entry.segments += 1;
            o.onSegmentRecorded(row);
            const b = backlog(o.db);
            if (b.bytes > o.spoolMaxBytes && live.get(id(bucket, channel.name)) === entry) {
              // documented choice: stop taking media rather than drop segments already cut
              log.error(`${label}: upload spool holds ${Math.round(b.bytes / 1048576)} MB (> SPOOL_MAX_MB); ending this push, no segment is dropped`);
              pub.close('upload backlog full');
            }
          },
        });
      } catch (e) {
        // e.g. the spool is not writable: free the channel and close the session, or it stays "busy" until restart
        live.delete(id(bucket, channel.name));
        closeSession(o.db, session.id, `segmenter failed to start: ${(e as Error).message}`);
        throw e;
      }
      pub.onTag = (tag, p) => segmenter.write(tag, p);
      segmenter.onDrain(() => pub.resume());
      const infoTimer = setInterval(() => {
        persistInfo(session.id, pub.info);
        // another process (the CLI, a second console) may have disabled or deleted the channel
        const row = getChannelById(o.db, channel.id);
        if (!row || row.status !== 'enabled') return pub.close(row ? 'channel disabled' : 'channel deleted');
        // ...or revoked the key the encoder signed with (a leaked key must not keep streaming)
        const key = accessKeyId ? getKey(o.db, accessKeyId) : undefined;
        if (accessKeyId && (!key || !key.enabled || !key.canPush || !keyCovers(key, bucket, channel.name)))
          pub.close(key ? 'access key disabled or no longer allowed to push here' : 'access key deleted');
      }, 5000);
      infoTimer.unref();
      const firstInfo = setTimeout(() => persistInfo(session.id, pub.info), 1500);
      firstInfo.unref();

      pub.onClose((reason) => {
        clearInterval(infoTimer);
        clearTimeout(firstInfo); // a short session must not write after the db is closed
        if (live.get(id(bucket, channel.name)) === entry) live.delete(id(bucket, channel.name));
        const done = segmenter.finish().then(() => {
          persistInfo(session.id, pub.info);
          closeSession(o.db, session.id, reason);
          log.info(`${label}: closed (${reason}), ${entry.segments} segment(s)`);
          o.onSessionEnded(channel.id, session.id);
        });
        finishing.add(done);
        void done.finally(() => finishing.delete(done));
      });
    },
    cut(bucket, channel, reason) {
      const e = live.get(id(bucket, channel));
      if (!e) return false;
      e.close(reason);
      return true;
    },
    async stopAll(reason) {
      for (const e of live.values()) e.close(reason);
      // sockets close asynchronously (the ingest destroys a lingering one after 2 s); each onClose
      // removes its entry and registers its finish, so wait for all of them (bounded)
      const until = Date.now() + 5000;
      while (live.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      await Promise.all([...finishing]);
    },
  };
}
