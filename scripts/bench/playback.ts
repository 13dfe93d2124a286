/**
 * @module scripts/bench/playback
 * Benchmark: requests/s and p99 latency for a live playlist and a 1 MB segment, through the gateway
 * (signed V2 link, verified, playlist rewritten, hot cache) and straight from RGW (the same kind of
 * signed V2 link), with 50 and 500 concurrent keep-alive clients on loopback, all in one run.
 *   S3_ENDPOINT=http://127.0.0.1:7480 S3_ACCESS_KEY_ID=testkey S3_SECRET_ACCESS_KEY=testsecret node --import tsx scripts/bench/playback.ts
 * (TEST_S3_* work too; BENCH_SECONDS per run, default 5.) Load comes from wrk (Debian package wrk),
 * a separate process, so the gateway's event loop is not shared with the load generator.
 * Prints a markdown table on stdout; progress on stderr.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../app/config/config.ts';
import { startGateway } from '../../app/gateway.ts';
import { setLogLevel } from '../../app/log.ts';
import { createKey } from '../../db/repos/keys.ts';
import { upsertChannel } from '../../db/repos/channels.ts';
import { presignV2 } from '../../app/core/signing/index.ts';

const endpoint = process.env.S3_ENDPOINT ?? process.env.TEST_S3_ENDPOINT;
if (!endpoint) {
  console.error('set S3_ENDPOINT (or TEST_S3_ENDPOINT) to an RGW, e.g. from scripts/rgw-start.sh');
  process.exit(2);
}
try {
  execFileSync('wrk', ['--version'], { stdio: 'ignore' });
} catch (e) {
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
    console.error('wrk not found: apt-get install wrk');
    process.exit(2);
  }
}
const accessKeyId = process.env.S3_ACCESS_KEY_ID ?? process.env.TEST_S3_ACCESS_KEY ?? 'testkey';
const secret = process.env.S3_SECRET_ACCESS_KEY ?? process.env.TEST_S3_SECRET_KEY ?? 'testsecret';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const log = (s: string) => process.stderr.write(`[bench-playback] ${s}\n`);

interface Run { rps: number; p99ms: number; errors: number }

/** wrk's summary: Requests/sec, the 99% latency line, and non-2xx/socket errors */
function parseWrk(out: string): Run {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const m = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(out);
  const p99ms = m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2] as 'us' | 'ms' | 's'] : NaN;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { rps, p99ms, errors };
}

async function wrk(url: string, conns: number, seconds: number): Promise<Run> {
  const { stdout } = await promisify(execFile)('wrk', ['-t2', `-c${conns}`, `-d${seconds}s`, '--timeout', '10s', '--latency', url], { maxBuffer: 1 << 20 });
  return parseWrk(stdout);
}

async function main() {
  setLogLevel('warn');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-playback-'));
  const gw = await startGateway(loadConfig({
    DATA_DIR: dataDir, HTTP_PORT: '0', RTMP_PORT: '0', BIND: '127.0.0.1', LOG_LEVEL: 'warn',
    S3_ENDPOINT: endpoint!, S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secret, S3_FORCE_PATH_STYLE: 'true',
  }));
  try {
    const bucket = `bench-play-${Date.now().toString(36)}`;
    const channel = 'live1';
    // the gateway key equals the RGW user's: one link scheme, two servers
    createKey(gw.db, { id: accessKeyId, secret });
    upsertChannel(gw.db, bucket, channel);
    await gw.storage.ensureBucket(bucket);
    const t0 = 1_800_000_000_000;
    const segs = [0, 1, 2].map((i) => `${t0 + i * 6000}.ts`);
    const playlist = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:6', '#EXT-X-MEDIA-SEQUENCE:100',
      ...segs.flatMap((s) => ['#EXTINF:6.000,', s]), ''].join('\n');
    await gw.storage.put(bucket, `${channel}/playlist.m3u8`, new TextEncoder().encode(playlist), { contentType: 'application/x-mpegURL', cacheControl: 'no-cache' });
    const mb = new Uint8Array(1 << 20).map((_, i) => (i % 188 === 0 ? 0x47 : (i * 31) & 0xff));
    await gw.storage.put(bucket, `${channel}/${segs[0]}`, mb, { contentType: 'video/mp2t' });

    const expires = Math.floor(Date.now() / 1000) + 3600;
    const link = (base: string, key: string) => presignV2({ base, bucket, key, accessKeyId, secret, expires });
    const gwBase = `http://127.0.0.1:${gw.httpPort}`;
    const targets = {
      playlist: { name: 'live playlist', key: `${channel}/playlist.m3u8` },
      segment: { name: '1 MB segment', key: `${channel}/${segs[0]}` },
    };
    for (const t of Object.values(targets)) {
      for (const base of [gwBase, endpoint!]) {
        const r = await fetch(link(base, t.key));
        if (r.status !== 200) throw new Error(`${link(base, t.key)} answered ${r.status}: ${await r.text()}`);
        await r.arrayBuffer();
      }
    }

    const rows: string[] = [];
    for (const t of Object.values(targets)) {
      for (const base of [gwBase, endpoint!]) await wrk(link(base, t.key), 50, 1); // warm-up: connections, caches, JIT
      for (const conns of [50, 500]) {
        log(`${t.name}, ${conns} clients: gateway`);
        const g = await wrk(link(gwBase, t.key), conns, SECONDS);
        log(`${t.name}, ${conns} clients: RGW`);
        const r = await wrk(link(endpoint!, t.key), conns, SECONDS);
        const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '?');
        rows.push(`| ${t.name} | ${conns} | ${f(g.rps)} | ${f(g.p99ms, 1)} | ${f(r.rps)} | ${f(r.p99ms, 1)} | ${f(g.rps / r.rps, 2)}× | ${f(g.p99ms / r.p99ms, 2)}× | ${g.errors} / ${r.errors} |`);
      }
    }
    // reference for the tail: a bare node:http server (other process) answering a same-sized body, no auth, no framework
    const bare = spawn(process.execPath, ['-e', `const b=Buffer.alloc(${playlist.length * 2},65);require('http').createServer((q,r)=>{r.writeHead(200,{'content-length':b.length});r.end(b)}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const barePort = await new Promise<string>((r) => bare.stdout.once('data', (d) => r(String(d).trim())));
    const bareRuns: string[] = [];
    try {
      for (const conns of [50, 500]) {
        const b = await wrk(`http://127.0.0.1:${barePort}/`, conns, SECONDS);
        bareRuns.push(`${conns} clients: ${b.rps.toFixed(0)} req/s, p99 ${b.p99ms.toFixed(1)} ms`);
      }
    } finally {
      bare.kill();
    }
    const cpu = os.cpus();
    console.log(`Loopback, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}, wrk -t2 keep-alive, ${SECONDS} s per run, same run for both servers; Node ${process.version}; gateway and RGW share the machine with wrk.`);
    console.log('Gateway: signed V2 link verified per request, playlist rewritten with per-segment signatures (memoised per link), objects from the in-memory cache (playlists re-read from RGW at most once a second).');
    console.log('');
    console.log('| object | clients | gateway req/s | gateway p99 ms | RGW req/s | RGW p99 ms | req/s gateway/RGW | p99 gateway/RGW | errors gw / RGW |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(r);
    console.log('');
    console.log(`Reference, a bare node:http server on the same machine (what one Node thread does with no work): ${bareRuns.join('; ')}.`);
  } finally {
    await gw.stop(2000);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
