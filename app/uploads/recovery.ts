/**
 * @module uploads/recovery
 * Start-up repair after a crash or kill -9: sessions left 'live' are closed with a reason, and
 * segment files that ffmpeg finished in the spool but whose CSV line we never read are probed
 * (ffprobe via fluent-ffmpeg) and added to the index, so the upload queue picks them up.
 */
import fs from 'node:fs';
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import type { Db } from '../../db/index.ts';
import { liveSessions, closeSession, getSession } from '../../db/repos/sessions.ts';
import { sessionSegments, addSpooledSegment } from '../../db/repos/segments.ts';
import { getChannelById } from '../../db/repos/channels.ts';
import { logger } from '../log.ts';

const log = logger('recovery');
const SETTLE_MS = 3000; // an orphaned ffmpeg may still be flushing its last segment

export async function recoverSpool(o: { db: Db; spoolDir: string; ffprobePath: string; now?: () => number }): Promise<{ closed: { channelId: number; sessionId: number }[]; orphans: number }> {
  const now = o.now ?? Date.now;
  ffmpeg.setFfprobePath(o.ffprobePath);
  const interrupted = liveSessions(o.db);
  let orphans = 0;
  if (fs.existsSync(o.spoolDir)) {
    for (const dir of fs.readdirSync(o.spoolDir)) {
      if (!/^\d+$/.test(dir)) continue;
      const sessionId = Number(dir);
      const session = getSession(o.db, sessionId);
      const full = path.join(o.spoolDir, dir);
      const files = fs.readdirSync(full).filter((f) => /^r\d+-\d{6}\.ts$/.test(f)).sort(byRunAndIndex);
      if (!session) {
        if (files.length) log.error(`spool ${full}: ${files.length} file(s) of unknown session ${sessionId}; left in place`);
        continue;
      }
      const known = new Set(sessionSegments(o.db, sessionId).map((s) => s.spoolPath && path.basename(s.spoolPath)));
      const unknown = files.filter((f) => !known.has(f));
      if (!unknown.length) {
        if (!files.length && session.status === 'ended') fs.rmSync(full, { recursive: true, force: true });
        continue;
      }
      const newest = Math.max(...unknown.map((f) => fs.statSync(path.join(full, f)).mtimeMs));
      if (now() - newest < SETTLE_MS) await new Promise((r) => setTimeout(r, SETTLE_MS - (now() - newest)));
      const channel = getChannelById(o.db, session.channelId);
      if (!channel) continue;
      for (const f of unknown) {
        const file = path.join(full, f);
        const size = fs.statSync(file).size;
        const durationMs = size > 0 ? await probeDurationMs(file) : undefined;
        if (durationMs === undefined) {
          log.error(`spool ${file}: unreadable segment (${size} bytes) left in place for inspection`);
          continue;
        }
        const prev = sessionSegments(o.db, sessionId).at(-1);
        // after the session's last known segment; keys stay strictly increasing
        const startMs = Math.max(prev ? prev.startMs + prev.durationMs : session.startedAt, (prev?.startMs ?? 0) + 1);
        o.db.$client.transaction(() => {
          addSpooledSegment(o.db, { channelId: channel.id, sessionId, discSeq: prev?.discSeq ?? channel.discSeq, channelName: channel.name, startMs, durationMs, size, spoolPath: file });
        })();
        orphans += 1;
      }
    }
  }
  if (orphans) log.info(`indexed ${orphans} segment(s) that ffmpeg finished while the gateway was down`);
  for (const s of interrupted) {
    closeSession(o.db, s.id, 'interrupted: gateway restarted', now());
    log.warn(`session ${s.id} (channel ${s.channelId}) was live when the gateway stopped; closed as interrupted`);
  }
  return { closed: interrupted.map((s) => ({ channelId: s.channelId, sessionId: s.id })), orphans };
}

function byRunAndIndex(a: string, b: string): number {
  const pa = a.match(/\d+/g)!.map(Number);
  const pb = b.match(/\d+/g)!.map(Number);
  return pa[0]! - pb[0]! || pa[1]! - pb[1]!;
}

/** duration of the video stream (else the container), ms; undefined if ffprobe cannot read it */
function probeDurationMs(file: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    ffmpeg.ffprobe(file, (err, data) => {
      if (err) return resolve(undefined);
      const v = data.streams.find((s) => s.codec_type === 'video');
      const d = Number(v?.duration ?? data.format.duration);
      resolve(Number.isFinite(d) && d > 0 ? Math.round(d * 1000) : undefined);
    });
  });
}
