/**
 * @module gateway
 * Composition root: config -> db -> storage -> uploads/playlists -> recorder -> RTMP ingest ->
 * HTTP. The only place stages are wired together. Used by main.ts and by tests (in-process).
 */
import { serve, type ServerType } from '@hono/node-server';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Config } from './config/config.ts';
import { openDb, type Db } from '../db/index.ts';
import { createStorage, type Storage } from './storage/index.ts';
import { createUploader, type Uploader } from './uploads/queue.ts';
import { createLivePlaylistWriter, type LivePlaylistWriter } from './uploads/live-playlist.ts';
import { recoverSpool } from './uploads/recovery.ts';
import { listChannels } from '../db/repos/channels.ts';
import { lastSession } from '../db/repos/sessions.ts';
import { startRetentionSweeper, type RetentionSweeper } from './retention/sweeper.ts';
import { createRecorder, type Recorder } from './segmenter/recorder.ts';
import { startRtmpIngest, type RtmpIngest } from './ingest/rtmp-server.ts';
import { makePublishAuthorizer } from './ingest/publish-auth.ts';
import { createApp } from './http/app.ts';
import { lockDataDir } from './data-lock.ts';
import { mountVodApi } from './vod/api.ts';
import { mountOssApi } from './http/oss/index.ts';
import { adminGuards, mountAdmin } from './http/admin/index.ts';
import { mountPlayback, createPlaybackCache } from './playback/index.ts';
import type { AppDeps } from './http/deps.ts';
import { logger } from './log.ts';

const log = logger('gateway');

export class StartupError extends Error {}

export interface Gateway {
  config: Config;
  db: Db;
  storage: Storage;
  uploader: Uploader;
  playlists: LivePlaylistWriter;
  recorder: Recorder;
  rtmp: RtmpIngest;
  retention: RetentionSweeper;
  httpPort: number;
  app: ReturnType<typeof createApp>;
  /** graceful: refuse new pushes, end sessions, flush segmenters, drain uploads within drainMs */
  stop(drainMs?: number): Promise<void>;
}

export async function checkFfmpeg(ffmpegPath: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(ffmpegPath, ['-hide_banner', '-version'], { timeout: 10_000 });
    return stdout.split('\n')[0] ?? 'ffmpeg';
  } catch (e) {
    throw new StartupError(`ffmpeg not usable at '${ffmpegPath}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): install it (apt-get install ffmpeg) or set FFMPEG_PATH`);
  }
}

export async function startGateway(config: Config, extra: Pick<AppDeps, 'mounts' | 'guards'> = {}): Promise<Gateway> {
  const version = await checkFfmpeg(config.ffmpegPath);
  log.info(`using ${version}`);
  let unlock: () => void;
  try {
    unlock = lockDataDir(config.dataDir);
  } catch (e) {
    throw new StartupError((e as Error).message);
  }
  const db = openDb(config.dbFile);
  const storage = createStorage({ dataDir: config.dataDir, s3: config.s3 });
  try {
    await storage.check();
  } catch (e) {
    // the spool keeps segments until storage is back, but a wrong endpoint at start is a config error
    throw new StartupError(`storage ${storage.describe}: ${(e as Error).message}`);
  }
  log.info(`storage ${storage.describe}`);

  // the write side feeds playback's hot cache: live playlists and fresh segments are served without reading storage
  const playbackCache = createPlaybackCache({ maxBytes: config.playbackCacheBytes });
  const playlists = createLivePlaylistWriter({ db, storage, endGraceMs: config.liveEndGraceSec * 1000, onWritten: (b, k, body, live) => playbackCache.putPlaylist(b, k, body, live) });
  const uploader = createUploader({ db, storage, playlists, events: { onSegmentStored: (b, k, body) => playbackCache.putSegment(b, k, body) } });
  const recovered = await recoverSpool({ db, spoolDir: config.spoolDir, ffprobePath: config.ffprobePath });
  for (const c of recovered.closed) playlists.sessionEnded(c.channelId, c.sessionId);
  // a graceful stop inside the grace period left ended sessions without ENDLIST: finish them now unless an encoder returns
  for (const ch of listChannels(db)) {
    const last = lastSession(db, ch.id);
    if (last?.status === 'ended' && !recovered.closed.some((c) => c.sessionId === last.id)) playlists.sessionEnded(ch.id, last.id);
  }
  uploader.recover();

  const recorder = createRecorder({
    db,
    ffmpegPath: config.ffmpegPath,
    ffprobePath: config.ffprobePath,
    spoolDir: config.spoolDir,
    spoolMaxBytes: config.spoolMaxBytes,
    onSegmentRecorded: (seg) => uploader.enqueue(seg),
    onSessionEnded: (channelId, sessionId) => playlists.sessionEnded(channelId, sessionId),
  });
  let accepting = true;
  const authorize = makePublishAuthorizer({
    db,
    defaultBucket: config.defaultBucket,
    isBusy: (b, c) => recorder.isBusy(b, c),
    admissionProblem: () => {
      if (!accepting) return 'gateway is shutting down';
      const b = uploader.stats();
      return b.pendingBytes > config.spoolMaxBytes ? `upload backlog full (${Math.round(b.pendingBytes / 1048576)} MB waiting for storage); try again later` : undefined;
    },
  });
  const rtmp = await startRtmpIngest({
    port: config.rtmpPort,
    bind: config.bind,
    apps: config.rtmpApps,
    idleTimeoutSec: config.rtmpIdleTimeoutSec,
    authorize,
    onPublish: (pub) => recorder.start(pub),
  });
  log.info(`rtmp listening on ${config.bind}:${rtmp.port} (apps: ${config.rtmpApps.join(', ')})`);

  const retention = startRetentionSweeper({ db, storage, intervalMs: config.retentionSweepSec * 1000, includeVod: config.retentionIncludeVod });

  const deps: AppDeps = {
    config, db, storage, recorder, uploader, ...extra,
    guards: [adminGuards, ...(extra.guards ?? [])],
    // the admin console before playback: playback is a catch-all for /<bucket>/...
    mounts: [mountAdmin, mountVodApi, mountOssApi, ...(extra.mounts ?? []), (a, d) => mountPlayback(a, d, playbackCache)],
  };
  const app = createApp(deps);
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.httpPort, hostname: config.bind }, () => resolve(s));
    s.once('error', reject);
  });
  const httpPort = (server.address() as { port: number }).port;
  log.info(`http listening on ${config.bind}:${httpPort}; admin console at ${config.publicHttpBase.replace(/:\d+$/, `:${httpPort}`)}/admin`);

  return {
    config, db, storage, uploader, playlists, recorder, rtmp, retention, httpPort, app,
    async stop(drainMs = 10_000) {
      accepting = false;
      const sweepDone = retention.stop();
      // stop listening now; the promise resolves only once every connection ended, so not awaited first
      const rtmpClosed = rtmp.close(false);
      await recorder.stopAll('gateway shutting down');
      await Promise.race([rtmpClosed, new Promise((r) => setTimeout(r, 3000).unref())]);
      const left = await uploader.drain(drainMs);
      if (left) log.warn(`${left} segment(s) still in the spool; they are uploaded at next start`);
      uploader.stop();
      playlists.stop();
      // keep-alive viewers would hold close() open
      const closed = new Promise<void>((r) => server.close(() => r()));
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await closed;
      await sweepDone;
      db.$client.close();
      unlock();
    },
  };
}
