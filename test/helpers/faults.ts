/**
 * Fault-injection helpers: the gateway as a child process (`node --import tsx app/main.ts`) that a
 * test can SIGKILL or SIGTERM, control of the test RGW's radosgw (scripts/rgw-ctl.sh on
 * TEST_RGW_DATA), and readers for the bucket listing, the segment index and the live playlist.
 */
import { listAll as listAllEntries } from '../../app/vod/rebuild.ts';
import path from 'node:path';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { runCli, waitFor } from './gateway.ts';
import type { Storage } from '../../app/storage/types.ts';
import { parsePlaylist } from '../../app/core/playlist/m3u8.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** the data dir of the RGW the suite runs against (scripts/test.sh exports it); undefined = cannot stop it */
export const rgwData = process.env.TEST_RGW_DATA;

export async function rgwCtl(cmd: 'stop-rgw' | 'start-rgw' | 'pause-rgw' | 'resume-rgw' | 'status'): Promise<string> {
  if (!rgwData) throw new Error('TEST_RGW_DATA is not set');
  const { stdout } = await promisify(execFile)('bash', [path.join(ROOT, 'scripts/rgw-ctl.sh'), rgwData, cmd], { timeout: 90_000 });
  return stdout;
}

export interface ChildGateway {
  env: Record<string, string>;
  httpPort: number;
  rtmpPort: number;
  rtmpBase: string;
  httpBase: string;
  /** everything it printed so far (stdout + stderr) */
  log(): string;
  kill(sig: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  cli(...args: string[]): Promise<string>;
}

/** start `node --import tsx app/main.ts` on dataDir with free ports; resolves once both ports listen */
export async function startChildGateway(env: Record<string, string>): Promise<ChildGateway> {
  const full: Record<string, string> = { HTTP_PORT: '0', RTMP_PORT: '0', BIND: '127.0.0.1', LOG_LEVEL: 'info', ...env };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'app/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...full },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  let dead = false;
  void exited.then(() => (dead = true));
  const ports = await waitFor('child gateway listening', () => {
    if (dead) throw new Error(`child gateway exited during start:\n${out}`);
    const r = /rtmp listening on [\d.]+:(\d+)/.exec(out);
    const h = /http listening on [\d.]+:(\d+)/.exec(out);
    return r && h ? { rtmp: Number(r[1]), http: Number(h[1]) } : undefined;
  }, 60_000);
  const rtmpBase = `rtmp://127.0.0.1:${ports.rtmp}`;
  const httpBase = `http://127.0.0.1:${ports.http}`;
  const cliEnv = { ...full, PUBLIC_RTMP_URL: rtmpBase, PUBLIC_HTTP_URL: httpBase };
  return {
    env: full, httpPort: ports.http, rtmpPort: ports.rtmp, rtmpBase, httpBase,
    log: () => out,
    kill: (sig) => void child.kill(sig),
    exited,
    cli: (...args) => runCli(cliEnv, args),
  };
}

/** every key under prefix, in byte order */
export async function listAll(storage: Storage, bucket: string, prefix: string): Promise<string[]> {
  return (await listAllEntries(storage, bucket, prefix)).entries.map((e) => e.key);
}

export interface IndexRow { id: number; seq: number; discSeq: number; key: string; state: string; durationMs: number; sessionId: number | null }

/** read the segment index of a channel straight from the SQLite file (works while a child gateway owns it) */
export function readIndex(dbFile: string, bucket: string, channel: string) {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const ch = db.prepare('SELECT id FROM channels WHERE bucket = ? AND name = ?').get(bucket, channel) as { id: number } | undefined;
    if (!ch) return { segments: [] as IndexRow[], sessions: [] as { id: number; status: string; endReason: string | null; segments: number }[] };
    const segments = db.prepare('SELECT id, seq, disc_seq AS discSeq, key, state, duration_ms AS durationMs, session_id AS sessionId FROM segments WHERE channel_id = ? ORDER BY seq').all(ch.id) as IndexRow[];
    const sessions = db.prepare('SELECT id, status, end_reason AS endReason, segments FROM sessions WHERE channel_id = ? ORDER BY id').all(ch.id) as { id: number; status: string; endReason: string | null; segments: number }[];
    return { segments, sessions };
  } finally {
    db.close();
  }
}

export function integrityCheck(dbFile: string): { integrity: string; journal: string } {
  const db = new Database(dbFile, { fileMustExist: true });
  try {
    return { integrity: String(db.pragma('integrity_check', { simple: true })), journal: String(db.pragma('journal_mode', { simple: true })) };
  } finally {
    db.close();
  }
}

export async function readPlaylist(storage: Storage, bucket: string, key: string) {
  const text = new TextDecoder().decode((await storage.get(bucket, key)).body);
  const p = parsePlaylist(text);
  if (!p.ok) throw new Error(`bad playlist ${key}: ${p.error}\n${text}`);
  return { text, ...p.playlist };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
