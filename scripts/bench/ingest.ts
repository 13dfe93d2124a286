/**
 * @module scripts/bench/ingest
 * Benchmark (issue 2): CPU seconds and peak memory per ingested stream, and the delay from a
 * segment's last frame to its object being readable, for 1/4/16 concurrent 2.5 Mbps `-re -c copy`
 * pushes, same run: the gateway with the embedded local store, the gateway with RGW, and Debian's
 * nginx + libnginx-mod-rtmp (`hls on`, local disk).
 *   S3_ENDPOINT=http://127.0.0.1:7490 S3_ACCESS_KEY_ID=testkey S3_SECRET_ACCESS_KEY=testsecret node --import tsx scripts/bench/ingest.ts
 * BENCH_STREAMS (default 1,4,16), BENCH_SECONDS (push length, default 40), BENCH_TARGETS
 * (default local,rgw,nginx; rgw needs S3_*), BENCH_TIMEOUT_SEC (whole run, default 1800), BENCH_KEEP=1
 * (keep the temp dir: gateway logs, SQLite), BENCH_GW_LOG_LEVEL (default warn). Markdown tables on
 * stdout, progress on stderr. Every process started is killed on exit, Ctrl-C and timeout.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { sampleTree } from './ingest-proc.ts';
import { startNginxRtmp, pollHls, nginxDelays } from './ingest-nginx.ts';
import { renderTable, type Result } from './ingest-report.ts';
import { createS3Storage } from '../../app/storage/index.ts';
import { listAll } from '../../app/vod/rebuild.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const STREAMS = (process.env.BENCH_STREAMS ?? '1,4,16').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 40);
const TARGETS = (process.env.BENCH_TARGETS ?? 'local,rgw,nginx').split(',') as Target[];
const endpoint = process.env.S3_ENDPOINT ?? process.env.TEST_S3_ENDPOINT;
const s3 = endpoint ? {
  endpoint, region: 'us-east-1', forcePathStyle: true,
  accessKeyId: process.env.S3_ACCESS_KEY_ID ?? process.env.TEST_S3_ACCESS_KEY ?? 'testkey',
  secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? process.env.TEST_S3_SECRET_KEY ?? 'testsecret',
} : undefined;
if (TARGETS.includes('rgw') && !s3) {
  console.error('set S3_ENDPOINT/S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY (or BENCH_TARGETS=local,nginx)');
  process.exit(2);
}
type Target = 'local' | 'rgw' | 'nginx';
/** segments ending this long after the pushes started count as steady state (start-up of N sessions excluded) */
const STEADY_MS = 15_000;
const log = (s: string) => process.stderr.write(`[bench-ingest ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ingest-'));

// every process we start is its own process group: killed with its children on any exit
const started = new Set<ChildProcess>();
const killAll = () => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null && p.pid) try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ }
};
process.on('exit', () => {
  killAll();
  if (process.env.BENCH_KEEP) process.stderr.write(`[bench-ingest] kept ${WORK}\n`);
  else fs.rmSync(WORK, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { log(`${sig}: cleaning up`); process.exit(130); });
const DEADLINE_MS = Number(process.env.BENCH_TIMEOUT_SEC ?? 1800) * 1000;
setTimeout(() => { log(`overall time limit of ${DEADLINE_MS / 1000} s reached`); process.exit(3); }, DEADLINE_MS).unref();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    }).on('error', reject);
  });
}
async function waitPort(port: number, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); r(true); }).on('error', () => r(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`port ${port} did not open in ${timeoutMs} ms`);
}

/**
 * the pre-encoded source: 720p30 H.264 ~2.4 Mbps CBR, 2 s GOP, no B-frames, AAC 96 kb/s, 60 s, made
 * once. No B-frames so that presentation time = decode time = the pace of `-re`: the gateway's
 * segment times are presentation times, and with B-frames they would run one reorder delay (~67 ms)
 * ahead of the frames' arrival, which would make the measured delays look shorter than they are.
 */
async function sourceFile(): Promise<string> {
  const dir = path.join(os.tmpdir(), 'bench-ingest-cache');
  const file = path.join(dir, 'testsrc2-720p30-2500k-gop2-bf0-60s.flv');
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(dir, { recursive: true });
  log(`encoding ${file} (once)`);
  const tmp = `${file}.${process.pid}.tmp`;
  await promisify(execFile)('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '60',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-bf', '0',
    '-b:v', '2400k', '-minrate', '2400k', '-maxrate', '2400k', '-bufsize', '2400k', '-x264-params', 'nal-hrd=cbr',
    '-c:a', 'aac', '-b:a', '96k', '-f', 'flv', tmp], { timeout: 600_000 });
  fs.renameSync(tmp, file);
  return file;
}

function pushAll(file: string, urls: string[]): Promise<{ failed: number; stderr: string }> {
  return Promise.all(urls.map((url) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-i', file, '-t', String(SECONDS), '-c', 'copy', '-f', 'flv', url],
      { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    started.add(p);
    let stderr = '';
    p.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-1000)));
    const kill = setTimeout(() => p.pid && process.kill(-p.pid, 'SIGKILL'), (SECONDS + 30) * 1000);
    p.on('close', (code) => { clearTimeout(kill); started.delete(p); resolve({ code, stderr }); });
  }))).then((rs) => ({ failed: rs.filter((r) => r.code !== 0).length, stderr: rs.map((r) => r.stderr).filter(Boolean).join(' | ').slice(0, 500) }));
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

/**
 * Birth times (statx) of the segmenter's spool files, polled every 50 ms: ffmpeg opens segment
 * i+1 on the keyframe that closes segment i, so that birth is the observed cut of segment i.
 */
function pollSpool(spoolDir: string) {
  const born = new Map<string, number>(); // "<session>/<file>" -> birth ms
  const tick = () => {
    let dirs: string[] = [];
    try {
      dirs = fs.readdirSync(spoolDir);
    } catch { return; }
    for (const d of dirs) {
      let names: string[] = [];
      try {
        names = fs.readdirSync(path.join(spoolDir, d));
      } catch { continue; }
      for (const n of names) {
        if (!/^r\d+-\d{6}\.ts$/.test(n) || born.has(`${d}/${n}`)) continue;
        try {
          born.set(`${d}/${n}`, fs.statSync(path.join(spoolDir, d, n)).birthtimeMs);
        } catch { /* uploaded and removed meanwhile */ }
      }
    }
  };
  const timer = setInterval(tick, 50);
  return { stop: () => { clearInterval(timer); return born; } };
}

interface GwSetup { dataDir: string; env: NodeJS.ProcessEnv; urls: string[]; bucket: string }

/** DATA_DIR, a key and 16 channels (frag-duration 5) made through the CLI, push URLs signed by it */
async function setupGateway(kind: 'local' | 'rgw', n: number): Promise<GwSetup> {
  const dataDir = path.join(WORK, `gw-${kind}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const [httpPort, rtmpPort] = [await freePort(), await freePort()];
  const bucket = `bench-ingest-${kind}-${Date.now().toString(36)}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env, DATA_DIR: dataDir, HTTP_PORT: String(httpPort), RTMP_PORT: String(rtmpPort), BIND: '127.0.0.1', LOG_LEVEL: process.env.BENCH_GW_LOG_LEVEL ?? 'warn',
    S3_ENDPOINT: '', S3_ACCESS_KEY_ID: '', S3_SECRET_ACCESS_KEY: '',
    ...(kind === 'rgw' && s3 ? { S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey } : {}),
  };
  const cli = async (...args: string[]) => (await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'app/cli.ts'), ...args],
    { env, cwd: ROOT, timeout: 60_000 })).stdout.trim();
  const key = JSON.parse(await cli('key', 'create', '--json')) as { id: string };
  const urls: string[] = new Array(n);
  for (let i = 0; i < n; i += 4) {
    await Promise.all(Array.from({ length: Math.min(4, n - i) }, async (_, j) => {
      await cli('channel', 'create', `${bucket}/ch${i + j}`, '--frag-duration', '5');
      urls[i + j] = await cli('sign', 'push', `${bucket}/ch${i + j}`, '--key', key.id, '--expires-in', '10800', '--base', `rtmp://127.0.0.1:${rtmpPort}`);
    }));
  }
  return { dataDir, env, urls, bucket };
}

async function runGateway(kind: 'local' | 'rgw', g: GwSetup, n: number, file: string): Promise<Result> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'app/main.ts')], { env: g.env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.add(proc);
  let warnLines = 0;
  let lastWarn = '';
  const gwLog = fs.createWriteStream(path.join(g.dataDir, `gateway-${n}.log`));
  proc.stdout!.pipe(gwLog, { end: false });
  proc.stderr!.pipe(gwLog, { end: false });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    for (const l of d.split('\n').filter((x) => /\b(WARN|ERROR)\b/.test(x))) { warnLines += 1; lastWarn = l; }
  });
  const exited = new Promise<void>((r) => proc.on('exit', () => { started.delete(proc); r(); }));
  await waitPort(Number(g.env.RTMP_PORT));
  await waitPort(Number(g.env.HTTP_PORT));
  await sleep(2000); // let start-up (tsx compile, migrations) settle out of the window
  const db = new Database(path.join(g.dataDir, 'gateway.sqlite'), { fileMustExist: true });
  const sampler = sampleTree(proc.pid!);
  const idleMB = sampler.peak().rssMB;
  sampler.resetPeaks();
  const spool = pollSpool(path.join(g.dataDir, 'spool'));
  const t0 = Date.now();
  const cpu0 = sampler.cpuSec();
  const pushed = await pushAll(file, g.urls.slice(0, n));
  // window ends when the segmenter ffmpegs have exited and every segment is stored
  const until = Date.now() + 60_000;
  const spooled = () => (db.prepare(`select count(*) c from segments where state = 'spooled'`).get() as { c: number }).c;
  while (Date.now() < until && (sampler.children().length > 0 || spooled() > 0)) await sleep(100);
  const left = { children: sampler.children(), spooled: spooled() };
  await sleep(300);
  const cpuSec = sampler.cpuSec() - cpu0;
  const wallSec = (Date.now() - t0) / 1000;
  const peak = sampler.peak();
  sampler.stop();
  const born = spool.stop();
  const rows = db.prepare(`select session_id s, start_ms st, duration_ms d, created_at ca, stored_at sa, attempts a, state from segments where created_at >= ? order by session_id, start_ms`).all(t0) as
    { s: number; st: number; d: number; ca: number; sa: number | null; a: number; state: string }[];
  db.close();
  // leave out each session's last segment (cut by the end of the push, not by a keyframe)
  const lastOf = new Map<number, number>();
  for (const r of rows) lastOf.set(r.s, r.st);
  const counted = rows.filter((r) => r.sa !== null && lastOf.get(r.s) !== r.st);
  const delays = counted.map((r) => r.sa! - (r.st + r.d));
  const steady = counted.filter((r) => r.st + r.d >= t0 + STEADY_MS).map((r) => r.sa! - (r.st + r.d));
  // where the time goes: last frame -> index row (segmenter: ffmpeg cut, CSV line, probe), row -> stored (upload queue + PUT)
  // against the observed cut (birth of the session's next spool file; one ffmpeg run per session here)
  const direct: number[] = [];
  const idx = new Map<number, number>();
  for (const r of rows) {
    const i = idx.get(r.s) ?? 0;
    idx.set(r.s, i + 1);
    const next = born.get(`${r.s}/r1-${String(i + 1).padStart(6, '0')}.ts`);
    if (r.sa !== null && lastOf.get(r.s) !== r.st && next !== undefined) direct.push(r.sa - next);
  }
  const split = { cut: counted.map((r) => r.ca - (r.st + r.d)), upload: counted.map((r) => r.sa! - r.ca) };
  proc.kill('SIGTERM');
  await Promise.race([exited, sleep(30_000)]);
  if (proc.exitCode === null && proc.pid) process.kill(-proc.pid, 'SIGKILL');
  const errors = pushed.failed + warnLines + rows.filter((r) => r.a > 0 || r.state !== 'stored').length + left.children.length + left.spooled;
  if (errors) log(`${kind} x${n}: ${pushed.failed} pushes failed (${pushed.stderr}), ${warnLines} warn/error lines (last: ${lastWarn.slice(0, 300)}), left: ${JSON.stringify(left)}`);
  return { target: kind, streams: n, cpuSec, wallSec, peakRssMB: peak.rssMB, peakPssMB: peak.pssMB, idleRssMB: idleMB, maxProcs: peak.maxProcs, delays, steady, direct, split, segments: rows.length, errors };
}

async function runNginx(n: number, file: string): Promise<Result> {
  const dir = path.join(WORK, `nginx-${n}`);
  fs.mkdirSync(dir, { recursive: true });
  // nginx's worker runs as an unprivileged user when started by root: it must reach and write hls/
  fs.chmodSync(WORK, 0o755);
  fs.chmodSync(dir, 0o755);
  let port = 19350;
  while (await waitPort(port, 200).then(() => true, () => false)) port += 1; // taken: next one
  const ngx = await startNginxRtmp(dir, port, (p) => waitPort(p));
  started.add(ngx.proc);
  await sleep(1000);
  const streams = Array.from({ length: n }, (_, i) => `s${i}`);
  const poller = pollHls(ngx.hlsDir, streams);
  const sampler = sampleTree(ngx.proc.pid!);
  const idleMB = sampler.peak().rssMB;
  sampler.resetPeaks();
  const t0 = Date.now();
  const cpu0 = sampler.cpuSec();
  const pushed = await pushAll(file, streams.map((s) => ngx.pushUrl(s)));
  await sleep(300);
  const cpuSec = sampler.cpuSec() - cpu0;
  const wallSec = (Date.now() - t0) / 1000;
  const peak = sampler.peak();
  sampler.stop();
  const frags = poller.stop();
  await ngx.stop();
  started.delete(ngx.proc);
  const errLog = fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8').split('\n').filter((l) => /\[(error|crit|alert|emerg)\]/.test(l)) : [];
  const { delays, steady, direct, count } = nginxDelays(frags, t0 + STEADY_MS);
  const errors = pushed.failed + errLog.length;
  if (errors) log(`nginx x${n}: ${pushed.failed} pushes failed (${pushed.stderr}), error.log: ${errLog.slice(-2).join(' | ')}`);
  return { target: 'nginx', streams: n, cpuSec, wallSec, peakRssMB: peak.rssMB, peakPssMB: peak.pssMB, idleRssMB: idleMB, maxProcs: peak.maxProcs, delays, steady, direct, segments: count, errors };
}

async function cleanRgw(bucket: string) {
  if (!s3) return;
  const storage = createS3Storage(s3);
  const { entries } = await listAll(storage, bucket, '');
  for (let i = 0; i < entries.length; i += 1000) await storage.delete(bucket, entries.slice(i, i + 1000).map((e) => e.key));
  log(`deleted ${entries.length} objects from ${bucket}`);
}

async function main() {
  const file = await sourceFile();
  const maxN = Math.max(...STREAMS);
  const setups: Partial<Record<'local' | 'rgw', GwSetup>> = {};
  for (const k of ['local', 'rgw'] as const) if (TARGETS.includes(k)) setups[k] = await setupGateway(k, maxN);
  const load = [`start ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`];
  const results: Result[] = [];
  for (const n of STREAMS) {
    for (const t of TARGETS) {
      log(`${t}: ${n} stream(s) x ${SECONDS} s … (loadavg ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
      const r = t === 'nginx' ? await runNginx(n, file) : await runGateway(t, setups[t]!, n, file);
      if (r.split) log(`${t} x${n}: last frame -> index row p50/p99 ${pct(r.split.cut, 50)}/${pct(r.split.cut, 99)} ms, row -> stored ${pct(r.split.upload, 50)}/${pct(r.split.upload, 99)} ms`);
      log(`${t} x${n}: ${r.cpuSec.toFixed(2)} CPU s in ${r.wallSec.toFixed(1)} s, peak ${r.peakRssMB.toFixed(0)} MB RSS, ${r.segments} segments, p50 ${pct(r.delays, 50)} ms, ${r.errors} errors`);
      results.push(r);
    }
    load.push(`after ${n}: ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
  }
  if (setups.rgw) await cleanRgw(setups.rgw.bucket).catch((e) => log(`RGW cleanup failed: ${(e as Error).message}`));
  process.stdout.write(renderTable(results, { seconds: SECONDS, file, load, pct }) + '\n');
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
