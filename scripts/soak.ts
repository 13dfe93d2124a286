/**
 * @module scripts/soak
 * Soak run (not in CI): N real ffmpeg pushes for M minutes into a child-process gateway on S3/RGW.
 * In: --pushes N (8) --minutes M (30) --frag S (2) --size WxH (640x360); S3 from SOAK_S3_ENDPOINT or
 * TEST_S3_ENDPOINT (+ *_ACCESS_KEY/_SECRET_KEY, default testkey/testsecret).
 * Out: one report: segments expected vs cut vs stored (bucket listing), media seconds pushed vs stored,
 * upload retries, gateway RSS at start, every 30 s and at the end (it includes the playback hot cache,
 * PLAYBACK_CACHE_MB, which fresh segments fill). Exit 1 when anything is missing.
 *   node --import tsx scripts/soak.ts --pushes 8 --minutes 5
 */
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createS3Storage } from '../app/storage/s3.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values: a } = parseArgs({ options: { pushes: { type: 'string', default: '8' }, minutes: { type: 'string', default: '30' }, frag: { type: 'string', default: '2' }, size: { type: 'string', default: '640x360' } } });
const N = Number(a.pushes);
const SECONDS = Math.round(Number(a.minutes) * 60);
const FRAG = Number(a.frag);
const endpoint = process.env.SOAK_S3_ENDPOINT ?? process.env.TEST_S3_ENDPOINT;
if (!endpoint) throw new Error('set SOAK_S3_ENDPOINT (or TEST_S3_ENDPOINT) to an S3/RGW endpoint');
const accessKeyId = process.env.SOAK_S3_ACCESS_KEY ?? process.env.TEST_S3_ACCESS_KEY ?? 'testkey';
const secretAccessKey = process.env.SOAK_S3_SECRET_KEY ?? process.env.TEST_S3_SECRET_KEY ?? 'testsecret';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcg-soak-'));
const env = { ...process.env, DATA_DIR: dataDir, HTTP_PORT: '0', RTMP_PORT: '0', BIND: '127.0.0.1', LOG_LEVEL: 'warn', S3_ENDPOINT: endpoint, S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey, LIVE_END_GRACE: '2' };
const bucket = `soak-${Date.now().toString(36)}`;
const cli = async (...args: string[]) => (await promisify(execFile)(process.execPath, ['--import', 'tsx', 'app/cli.ts', ...args], { cwd: ROOT, env })).stdout.trim();
const rssMB = (pid: number) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// the gateway under test, as in production: its own process
const gw = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], { cwd: ROOT, env: { ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
let log = '';
gw.stdout.on('data', (d) => (log += d));
gw.stderr.on('data', (d) => (log += d));
let ports: { rtmp: number; http: number } | undefined;
for (let i = 0; i < 600 && !ports; i++) {
  const r = /rtmp listening on [\d.]+:(\d+)/.exec(log);
  const h = /http listening on [\d.]+:(\d+)/.exec(log);
  if (r && h) ports = { rtmp: Number(r[1]), http: Number(h[1]) };
  else await sleep(100);
}
if (!ports) throw new Error(`gateway did not start:\n${log}`);
const health = async () => (await (await fetch(`http://127.0.0.1:${ports!.http}/healthz`)).json()) as { uploads: { retries: number; pending: number } };

const key = JSON.parse(await cli('key', 'create', '--json')) as { id: string };
const urls: string[] = [];
for (let i = 0; i < N; i++) {
  await cli('channel', 'create', `${bucket}/cam${i}`, '--frag-duration', String(FRAG));
  urls.push(await cli('sign', 'push', `${bucket}/cam${i}`, '--key', key.id, '--expires-in', String(SECONDS + 3600), '--base', `rtmp://127.0.0.1:${ports.rtmp}`));
}
const rssStart = rssMB(gw.pid!);
console.log(`soak: ${N} pushes x ${SECONDS} s (${a.size}, GOP 2 s, FragDuration ${FRAG}) into ${endpoint} bucket ${bucket}; gateway pid ${gw.pid} rss ${rssStart} MB`);

const t0 = Date.now();
const rssSamples: number[] = [];
const sampler = setInterval(() => rssSamples.push(rssMB(gw.pid!)), 30_000);
const results = await Promise.all(urls.map((url) => new Promise<{ code: number | null; sec: number; err: string }>((resolve) => {
  const started = Date.now();
  const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${a.size}:rate=30`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', String(SECONDS), '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-pix_fmt', 'yuv420p', '-b:v', '800k', '-c:a', 'aac', '-b:a', '96k', '-f', 'flv', url], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => (err = (err + d).slice(-500)));
  p.on('close', (code) => resolve({ code, sec: (Date.now() - started) / 1000, err }));
})));

clearInterval(sampler);
// wait for the queue to drain (bounded), then count
const db = new Database(path.join(dataDir, 'gateway.sqlite'), { readonly: true });
for (let i = 0; i < 240; i++) {
  const r = db.prepare("SELECT (SELECT count(*) FROM segments WHERE state = 'spooled') AS s, (SELECT count(*) FROM sessions WHERE status = 'live') AS l").get() as { s: number; l: number };
  if (r.s === 0 && r.l === 0) break;
  await sleep(500);
}
const h = await health();
const rssEnd = rssMB(gw.pid!);
const storage = createS3Storage({ endpoint, region: 'us-east-1', accessKeyId, secretAccessKey, forcePathStyle: true });
let stored = 0;
let marker: string | undefined;
do {
  const page = await storage.list(bucket, '', marker);
  stored += page.entries.filter((e) => e.key.endsWith('.ts')).length;
  marker = page.nextMarker;
} while (marker);
const idx = db.prepare("SELECT count(*) AS n, coalesce(sum(duration_ms), 0) AS ms, sum(state = 'stored') AS st FROM segments").get() as { n: number; ms: number; st: number };
const sessions = db.prepare('SELECT count(*) AS n, group_concat(DISTINCT end_reason) AS r FROM sessions').get() as { n: number; r: string };
db.close();
gw.kill('SIGTERM');
await new Promise((r) => gw.on('exit', r));

const pushedSec = results.reduce((n, r) => n + Math.min(r.sec, SECONDS), 0);
const expected = N * Math.round(SECONDS / FRAG);
const report = {
  pushes: N, secondsEach: SECONDS, encoderFailures: results.filter((r) => r.code !== 0).length,
  segmentsExpected: `~${expected} (${N} x ${SECONDS} s / ${FRAG} s)`, segmentsCut: idx.n, segmentsStoredIndex: idx.st, objectsInBucket: stored,
  mediaSecondsPushed: Math.round(pushedSec), mediaSecondsStored: Math.round(idx.ms / 1000), sessions: sessions.n, endReasons: sessions.r,
  uploadRetries: h.uploads.retries, gatewayRssMB: { start: rssStart, end: rssEnd, every30s: rssSamples.join(' ') }, playbackCacheMB: Number(process.env.PLAYBACK_CACHE_MB ?? 256), wallSeconds: Math.round((Date.now() - t0) / 1000),
};
console.log(JSON.stringify(report, null, 2));
for (const r of results) if (r.code !== 0) console.log(`encoder failed: ${r.err}`);
const ok = report.encoderFailures === 0 && idx.n === stored && idx.st === idx.n && Math.abs(report.mediaSecondsStored - report.mediaSecondsPushed) <= N * 2;
console.log(ok ? 'soak: OK (nothing lost)' : 'soak: MISMATCH');
fs.rmSync(dataDir, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
