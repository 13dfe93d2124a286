/**
 * @module scripts/bench/ingest-report
 * Results of the ingest benchmark in, the markdown tables for BENCHMARKS.md out.
 */
import os from 'node:os';

export interface Result {
  target: 'local' | 'rgw' | 'nginx';
  streams: number;
  cpuSec: number;
  wallSec: number;
  peakRssMB: number;
  peakPssMB: number | undefined;
  idleRssMB: number;
  maxProcs: number;
  delays: number[];
  /** nginx only: listed − birth of the next fragment (the observed arrival of the closing keyframe) */
  direct?: number[];
  segments: number;
  errors: number;
}

export function renderTable(rs: Result[], o: { seconds: number; file: string; load: string[]; pct: (xs: number[], p: number) => number }): string {
  const get = (t: Result['target'], n: number) => rs.find((r) => r.target === t && r.streams === n);
  const per = (r: Result | undefined) => (r ? r.cpuSec / r.streams : NaN);
  const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(1)}×` : '–');
  const ms = (r: Result | undefined, p: number) => (r && r.delays.length ? String(Math.round(o.pct(r.delays, p))) : '–');
  const ns = [...new Set(rs.map((r) => r.streams))];
  const lines = [
    `${o.seconds} s of \`ffmpeg -re -i ${o.file.split('/').pop()} -c copy -f flv rtmp://…\` per stream (720p30 H.264 2.4 Mb/s CBR, GOP 2 s, no B-frames, AAC 96 kb/s), ` +
      `all targets in the same run, one after another; ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, node ${process.version}; load average: ${o.load.join('; ')}.`,
    '',
    '| streams | CPU s/stream gateway local | gateway RGW | nginx-rtmp | local/nginx | RGW/nginx | CPU % of one core (local / RGW / nginx) |',
    '|---:|---:|---:|---:|---:|---:|---|',
    ...ns.map((n) => {
      const [l, g, x] = [get('local', n), get('rgw', n), get('nginx', n)];
      const pc = (r: Result | undefined) => (r ? f((100 * r.cpuSec) / r.wallSec, 1) : '–');
      return `| ${n} | ${f(per(l))} | ${f(per(g))} | ${f(per(x))} | ${ratio(per(l), per(x))} | ${ratio(per(g), per(x))} | ${pc(l)} / ${pc(g)} / ${pc(x)} |`;
    }),
    '',
    '| streams | target | peak RSS MB total | RSS MB/stream | (peak − idle) RSS MB/stream | peak PSS MB total | PSS MB/stream | idle RSS MB | max processes |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|',
    ...ns.flatMap((n) => (['local', 'rgw', 'nginx'] as const).map((t) => get(t, n)).filter((r): r is Result => !!r).map((r) =>
      `| ${n} | ${r.target === 'nginx' ? 'nginx-rtmp' : `gateway ${r.target}`} | ${f(r.peakRssMB, 0)} | ${f(r.peakRssMB / n, 1)} | ${f((r.peakRssMB - r.idleRssMB) / n, 1)} | ${f(r.peakPssMB ?? NaN, 0)} | ${f((r.peakPssMB ?? NaN) / n, 1)} | ${f(r.idleRssMB, 0)} | ${r.maxProcs} |`)),
    '',
    '| streams | last frame → readable p50 / p99 ms: gateway local | gateway RGW | nginx-rtmp | delays counted (local / RGW / nginx) | segments (local / RGW / nginx) | errors (local / RGW / nginx) |',
    '|---:|---:|---:|---:|---|---|---|',
    ...ns.map((n) => {
      const all = [get('local', n), get('rgw', n), get('nginx', n)];
      const j = (g: (r: Result) => number | string) => all.map((r) => (r ? g(r) : '–')).join(' / ');
      return `| ${n} | ${ms(all[0], 50)} / ${ms(all[0], 99)} | ${ms(all[1], 50)} / ${ms(all[1], 99)} | ${ms(all[2], 50)} / ${ms(all[2], 99)} | ${j((r) => r.delays.length)} | ${j((r) => r.segments)} | ${j((r) => r.errors)} |`;
    }),
    '',
    'nginx-rtmp measured against the observed arrival of the closing keyframe instead (playlist mtime − birth of the next fragment), p50 / p99 ms: ' +
      ns.map((n) => get('nginx', n)).filter((r): r is Result => !!r?.direct?.length)
        .map((r) => `${r.streams} stream(s): ${Math.round(o.pct(r.direct!, 50))} / ${Math.round(o.pct(r.direct!, 99))}`).join('; ') + '.',
  ];
  return lines.join('\n');
}
