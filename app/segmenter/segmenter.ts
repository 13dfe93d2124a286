/**
 * @module segmenter
 * One supervised ffmpeg per publish session: FLV tags in (stdin), finished MPEG-TS segments out
 * (files in the session's spool folder + their media start/end). We own the process lifecycle
 * (fluent-ffmpeg's kill() is SIGKILL, which loses the last segment): ending stdin makes ffmpeg
 * flush the last segment and exit 0. A crashed ffmpeg is restarted after a pause, fed the cached
 * sequence headers, and resumes at the next keyframe.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import ffmpeg from 'fluent-ffmpeg';
import { getRetryDelay, type RetryPolicy } from '../core/backoff.ts';
import { segmenterArgs, parseSegmentCsvLine, type CsvSegment } from '../core/ffmpeg-args.ts';
import { logger } from '../log.ts';

const log = logger('segmenter');
const FLV_HEADER = Buffer.from([0x46, 0x4c, 0x56, 0x01, 0x05, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00]);
/** pause before restarting a crashed ffmpeg: 1 s, doubling while runs keep dying within a minute, at most 30 s */
const RESTART: RetryPolicy = { baseMs: 1000, maxMs: 30_000 };
const STABLE_RUN_MS = 60_000;
const EXIT_WAIT_MS = 15_000;

export interface FinishedSegment {
  path: string;
  size: number;
  /** wall-clock ms of the segment's first frame */
  startMs: number;
  durationMs: number;
  /** first segment after a restarted ffmpeg: its timestamps start again near 0 (players need a discontinuity) */
  afterRestart: boolean;
}

export interface SegmenterOptions {
  ffmpegPath: string;
  ffprobePath: string;
  dir: string;
  fragDurationSec: number;
  /** wall-clock ms at which media time `firstDts` was received */
  onSegment(seg: FinishedSegment): void;
  /** header tags to replay after a restart (metadata, AVC/AAC sequence headers) */
  headerTags(): Buffer[];
  label: string;
}

export interface Segmenter {
  /** feed one FLV tag; false means "wait for onDrain" */
  write(tag: Buffer, p: { type: number; keyframe: boolean; dts: number }): boolean;
  onDrain(cb: () => void): void;
  /** end of stream: wait until ffmpeg flushed the last segment and exited */
  finish(): Promise<void>;
}

type Proc = ChildProcessByStdio<Writable, Readable, Readable>;

export function startSegmenter(o: SegmenterOptions): Segmenter {
  fs.mkdirSync(o.dir, { recursive: true });
  let run = 0;
  let quickCrashes = 0;
  let proc: Proc | undefined;
  let finishing = false;
  let waitingForKeyframe = false;
  let drainCb: (() => void) | undefined;
  let exited: Promise<void> = Promise.resolve();
  // media time -> wall clock: fixed at the first A/V tag of the session
  let anchor: { dts: number; wallMs: number } | undefined;
  // per run: dts of its first A/V tag (ffmpeg's output times start at 0 there)
  let runFirstDts: number | undefined;
  let lastStartMs = 0;
  // segments are handed on strictly in order, also when one needs a probe first
  let chain: Promise<void> = Promise.resolve();

  const record = async (csv: CsvSegment, firstOfRun: boolean, runBase: number, runNo: number) => {
    const file = path.join(o.dir, path.basename(csv.file));
    let size = 0;
    try {
      size = fs.statSync(file).size;
    } catch {
      log.error(`${o.label}: ffmpeg reported ${csv.file} but it is not on disk`);
      return;
    }
    let { startSec } = csv;
    if (firstOfRun) {
      // ffmpeg reports 0 as the first segment's start, but its first video frame is later
      // (B-frame composition offset, audio priming): use the probed video duration instead
      const probed = await probeVideoDurationSec(o.ffprobePath, file);
      if (probed !== undefined && probed > 0 && probed <= csv.endSec - csv.startSec) startSec = csv.endSec - probed;
    }
    // keys must be unique and increasing even if clocks or timestamps misbehave
    const startMs = Math.max(Math.round(runBase + startSec * 1000), lastStartMs + 1);
    lastStartMs = startMs;
    const durationMs = Math.round((csv.endSec - startSec) * 1000);
    try {
      o.onSegment({ path: file, size, startMs, durationMs, afterRestart: firstOfRun && runNo > 1 });
    } catch (e) {
      log.error(`${o.label}: recording segment ${file} failed: ${(e as Error).message}`);
    }
  };

  const launch = () => {
    run += 1;
    runFirstDts = undefined;
    const thisRun = run;
    const args = segmenterArgs({ fragDurationSec: o.fragDurationSec, outPattern: path.join(o.dir, `r${run}-%06d.ts`) });
    // its own process group: a Ctrl-C meant for the gateway must not kill ffmpeg mid-segment (we end it via stdin)
    const startedAt = Date.now();
    const p = spawn(o.ffmpegPath, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    proc = p;
    let stderr = '';
    p.stderr.setEncoding('utf8');
    p.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-2000);
    });
    p.stdin.on('error', () => {}); // EPIPE when ffmpeg dies; handled by 'exit'
    p.stdin.on('drain', () => drainCb?.());
    const lines = readline.createInterface({ input: p.stdout });
    const reported = new Set<string>();
    let firstOfRun = true;
    lines.on('line', (line) => {
      const csv = parseSegmentCsvLine(line);
      if (!csv) return;
      const runBase = anchor && runFirstDts !== undefined ? anchor.wallMs + (runFirstDts - anchor.dts) : Date.now();
      const first = firstOfRun;
      firstOfRun = false;
      reported.add(path.basename(csv.file));
      chain = chain.then(() => record(csv, first, runBase, thisRun));
    });
    exited = new Promise<void>((resolve) => {
      p.on('error', (e) => log.error(`${o.label}: cannot run ffmpeg (${o.ffmpegPath}): ${e.message}`));
      p.on('close', (code, signal) => {
        lines.close();
        if (proc === p) proc = undefined;
        if (finishing) {
          if (code !== 0) log.warn(`${o.label}: ffmpeg exited with ${code ?? signal} at end of stream: ${lastLine(stderr)}`);
          resolve();
          return;
        }
        quickCrashes = Date.now() - startedAt < STABLE_RUN_MS ? quickCrashes + 1 : 1;
        const pause = getRetryDelay(RESTART, quickCrashes, () => 1);
        log.warn(`${o.label}: ffmpeg run ${thisRun} exited with ${code ?? signal} mid-stream (${lastLine(stderr)}); restarting in ${pause} ms`);
        resolve();
        // a publisher paused for this stdin's back-pressure would wait forever for a 'drain' that never comes
        drainCb?.();
        // the file the crashed run had open has no end and no timing: left in the spool, start-up recovery would
        // index it out of order, so it goes (its media is the gap the discontinuity marks)
        for (const f of fs.readdirSync(o.dir)) {
          if (!f.startsWith(`r${thisRun}-`) || reported.has(f)) continue;
          fs.rmSync(path.join(o.dir, f), { force: true });
          log.warn(`${o.label}: dropped ${f}, the unfinished segment of the crashed ffmpeg run`);
        }
        setTimeout(() => {
          if (finishing) return;
          launch();
          waitingForKeyframe = true;
          proc?.stdin.write(FLV_HEADER);
          for (const t of o.headerTags()) proc?.stdin.write(t);
        }, pause);
      });
    });
  };

  launch();
  proc!.stdin.write(FLV_HEADER);

  return {
    write(tag, p) {
      const isAV = p.type === 8 || p.type === 9;
      if (!proc) return true; // between a crash and its restart: media is dropped, headers are cached upstream
      if (waitingForKeyframe) {
        if (!(p.type === 9 && p.keyframe)) return true;
        waitingForKeyframe = false;
      }
      if (isAV) {
        anchor ??= { dts: p.dts, wallMs: Date.now() };
        runFirstDts ??= p.dts;
      }
      return proc.stdin.write(tag);
    },
    onDrain(cb) {
      drainCb = cb;
    },
    async finish() {
      finishing = true;
      const p = proc;
      if (p) {
        p.stdin.end();
        const timer = setTimeout(() => {
          log.warn(`${o.label}: ffmpeg did not exit ${EXIT_WAIT_MS} ms after end of stream; terminating`);
          p.kill('SIGTERM');
          setTimeout(() => p.kill('SIGKILL'), EXIT_WAIT_MS).unref();
        }, EXIT_WAIT_MS);
        await exited;
        clearTimeout(timer);
      } else {
        await exited; // between a crash and its restart
      }
      // segments reported before the exit are probed and recorded before the session may close
      await chain;
    },
  };
}

function probeVideoDurationSec(ffprobePath: string, file: string): Promise<number | undefined> {
  ffmpeg.setFfprobePath(ffprobePath);
  return new Promise((resolve) => {
    ffmpeg.ffprobe(file, (err, data) => {
      const v = err ? undefined : data.streams.find((s) => s.codec_type === 'video');
      const d = Number(v?.duration);
      resolve(Number.isFinite(d) ? d : undefined);
    });
  });
}

function lastLine(s: string): string {
  const l = s.trim().split('\n').pop() ?? '';
  return l.slice(0, 200) || 'no message';
}
