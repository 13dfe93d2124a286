/**
 * @module scripts/bench/ingest-nginx
 * The nginx-rtmp peer of the ingest benchmark: a temp dir + RTMP port in, a running Debian nginx with
 * libnginx-mod-rtmp (`hls on`, 5 s fragments, 15 s playlist, timestamp-named fragments) out, plus a
 * 50 ms poller of its HLS dir that records when each fragment first appears in its playlist.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const MODULE_CANDIDATES = ['/usr/lib/nginx/modules/ngx_rtmp_module.so', '/usr/share/nginx/modules/ngx_rtmp_module.so'];

export interface NginxRtmp {
  proc: ChildProcess;
  hlsDir: string;
  pushUrl(stream: string): string;
  stop(): Promise<void>;
}

export async function startNginxRtmp(dir: string, port: number, waitPort: (p: number) => Promise<void>): Promise<NginxRtmp> {
  const mod = MODULE_CANDIDATES.find((m) => fs.existsSync(m));
  if (!mod) throw new Error('ngx_rtmp_module.so not found (apt-get install libnginx-mod-rtmp)');
  const hlsDir = path.join(dir, 'hls');
  fs.mkdirSync(hlsDir, { recursive: true });
  fs.chmodSync(hlsDir, 0o777);
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `load_module ${mod};
worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
rtmp {
  server {
    listen 127.0.0.1:${port};
    chunk_size 4096;
    application hls {
      live on;
      hls on;
      hls_path ${hlsDir};
      hls_nested on;
      hls_fragment 5s;
      hls_playlist_length 15s;
      hls_fragment_naming timestamp;
    }
  }
}
`);
  const proc = spawn('/usr/sbin/nginx', ['-e', `${dir}/error.log`, '-p', dir, '-c', `${dir}/nginx.conf`, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  await Promise.race([waitPort(port), exited.then(() => { throw new Error(`nginx exited: ${stderr}`); })]);
  return {
    proc,
    hlsDir,
    pushUrl: (stream) => `rtmp://127.0.0.1:${port}/hls/${stream}`,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGQUIT'); // graceful: finishes fragments
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (proc.exitCode === null && proc.pid) process.kill(-proc.pid, 'SIGKILL');
    },
  };
}

/** tsMs: media start of the fragment (its name is that time in 90 kHz units) */
export interface NginxFragment { stream: string; tsMs: number; extinfMs: number; listedAt: number; bornAt?: number }

/**
 * Poll <hlsDir>/<stream>/ every 50 ms. A fragment's `listedAt` is the mtime of the first index.m3u8
 * version that lists it (nginx writes the playlist right after closing the fragment); `bornAt` is
 * the .ts file's birth time (statx), taken when the poller first sees the file.
 */
export function pollHls(hlsDir: string, streams: string[]) {
  const frags = new Map<string, NginxFragment>();
  const born = new Map<string, number>();
  const tick = () => {
    for (const s of streams) {
      const d = path.join(hlsDir, s);
      let names: string[];
      try {
        names = fs.readdirSync(d);
      } catch {
        continue;
      }
      for (const n of names) {
        if (!n.endsWith('.ts') || born.has(`${s}/${n}`)) continue;
        try {
          born.set(`${s}/${n}`, fs.statSync(path.join(d, n)).birthtimeMs);
        } catch { /* removed by hls_cleanup meanwhile */ }
      }
      let fd: number | undefined;
      try {
        fd = fs.openSync(path.join(d, 'index.m3u8'), 'r');
        const mtime = fs.fstatSync(fd).mtimeMs;
        const text = fs.readFileSync(fd, 'utf8');
        let extinf = 0;
        for (const line of text.split('\n')) {
          const m = /^#EXTINF:([\d.]+)/.exec(line);
          if (m) extinf = Math.round(Number(m[1]) * 1000);
          else if (/^\d+\.ts$/.test(line.trim())) {
            const key = `${s}/${line.trim()}`;
            if (!frags.has(key)) frags.set(key, { stream: s, tsMs: Number(line.trim().slice(0, -3)) / 90, extinfMs: extinf, listedAt: mtime, bornAt: born.get(key) });
          }
        }
      } catch { /* no playlist yet */ } finally {
        if (fd !== undefined) fs.closeSync(fd);
      }
    }
  };
  const timer = setInterval(tick, 50);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return [...frags.values()];
    },
  };
}

/**
 * Delay from a fragment's last frame to its being listed: listedAt − (anchor + media offset + extinf),
 * the anchor being the birth time of the stream's first fragment (≈ its first keyframe's arrival),
 * the same anchoring the gateway uses (wall clock at the first A/V tag + media time).
 * `steady`: only fragments ending at or after steadyFrom (past the start-up of all pushes).
 * The last fragment of each stream (closed by the end of the push, not a keyframe) is left out.
 * `direct`: listedAt − birth of the next fragment, which nginx opens on the very keyframe that
 * closes this one, i.e. the delay against the observed arrival; `anchored − direct` is the error
 * of the anchored reference itself (the pace of `-re` against the first frame's arrival).
 */
export function nginxDelays(frags: NginxFragment[], steadyFrom: number): { delays: number[]; steady: number[]; direct: number[]; count: number } {
  const delays: number[] = [];
  const steady: number[] = [];
  const direct: number[] = [];
  const byStream = new Map<string, NginxFragment[]>();
  for (const f of frags) byStream.set(f.stream, [...(byStream.get(f.stream) ?? []), f]);
  for (const list of byStream.values()) {
    list.sort((a, b) => a.tsMs - b.tsMs);
    const first = list[0]!;
    if (first.bornAt === undefined) continue;
    list.slice(0, -1).forEach((f, i) => {
      const end = first.bornAt! + (f.tsMs - first.tsMs) + f.extinfMs;
      delays.push(f.listedAt - end);
      if (end >= steadyFrom) steady.push(f.listedAt - end);
      const next = list[i + 1]!;
      if (next.bornAt !== undefined) direct.push(f.listedAt - next.bornAt);
    });
  }
  return { delays, steady, direct, count: frags.length };
}
