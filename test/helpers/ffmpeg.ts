/**
 * Real encoders for tests: ffmpeg pushing lavfi test sources (H.264 + AAC, fixed GOP) over RTMP,
 * and ffprobe for checking what was stored.
 */
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface PushResult {
  code: number | null;
  stderr: string;
  startedAt: number;
  endedAt: number;
}

/** push `seconds` of 640x360@30 testsrc2 + 44.1 kHz sine, GOP 2 s, in real time (-re) */
export function push(url: string, seconds: number, o: { gopSec?: number; fps?: number; size?: string; extra?: string[] } = {}): Promise<PushResult> & { kill(sig?: NodeJS.Signals): void } {
  const fps = o.fps ?? 30;
  const gop = Math.round((o.gopSec ?? 2) * fps);
  const args = [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=${o.size ?? '640x360'}:rate=${fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-pix_fmt', 'yuv420p', '-b:v', '800k',
    '-c:a', 'aac', '-b:a', '96k',
    ...(o.extra ?? []),
    '-f', 'flv', url,
  ];
  const startedAt = Date.now();
  const p = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  p.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<PushResult>((resolve) => p.on('close', (code) => resolve({ code, stderr, startedAt, endedAt: Date.now() })));
  return Object.assign(done, { kill: (sig: NodeJS.Signals = 'SIGTERM') => void p.kill(sig) });
}

export interface ProbeStream {
  codec_type: string;
  codec_name: string;
  start_time?: string;
  duration?: string;
  width?: number;
  height?: number;
}

export async function ffprobe(input: string): Promise<{ streams: ProbeStream[]; format: { duration?: string; format_name: string } }> {
  const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', input], { maxBuffer: 16 << 20 });
  return JSON.parse(stdout);
}

/** decode an input completely; returns ffmpeg's exit code, stderr and the decoded duration (s) */
export async function decodeAll(input: string): Promise<{ code: number | null; stderr: string; durationSec: number }> {
  return new Promise((resolve) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-stats', '-i', input, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => {
      const times = [...stderr.matchAll(/time=(\d+):(\d+):([\d.]+)/g)];
      const last = times.at(-1);
      const durationSec = last ? Number(last[1]) * 3600 + Number(last[2]) * 60 + Number(last[3]) : 0;
      resolve({ code, stderr: stderr.replace(/\r/g, '\n').split('\n').filter((l) => !l.startsWith('frame=')).join('\n'), durationSec });
    });
  });
}
