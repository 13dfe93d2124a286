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
  /** the delays of segments ending ≥ 15 s after the pushes started */
  steady: number[];
  /** against the observed cut: nginx listed − birth of its next fragment; gateway stored − birth of the next spool file */
  direct?: number[];
  /** gateway only: last frame -> index row (segmenter), index row -> stored (uploads) */
  split?: { cut: number[]; upload: number[] };
  segments: number;
  errors: number;
}

export function renderTable(rs: Result[], o: { seconds: number; file: string; load: string[]; pct: (xs: number[], p: number) => number }): string {
  const get = (t: Result['target'], n: number) => rs.find((r) => r.target === t && r.streams === n);
  const per = (r: Result | undefined) => (r ? r.cpuSec / r.streams : NaN);
  const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(1)}×` : '–');
  const ms = (r: Result | undefined, p: number, which: 'delays' | 'steady' = 'delays') => (r && r[which].length ? String(Math.round(o.pct(r[which], p))) : '–');
  const pp = (xs: number[] | undefined) => (xs?.length ? `${Math.round(o.pct(xs, 50))} / ${Math.round(o.pct(xs, 99))}` : '–');
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
    '| streams | last frame → readable p50 / p99 ms: gateway local | gateway RGW | nginx-rtmp | same, steady state (segments ending ≥ 15 s into the run): local | RGW | nginx | delays counted, all (steady): local / RGW / nginx | segments (local / RGW / nginx) | errors (local / RGW / nginx) |',
    '|---:|---:|---:|---:|---:|---:|---:|---|---|---|',
    ...ns.map((n) => {
      const all = [get('local', n), get('rgw', n), get('nginx', n)];
      const j = (g: (r: Result) => number | string) => all.map((r) => (r ? g(r) : '–')).join(' / ');
      const both = (r: Result | undefined, w: 'delays' | 'steady') => `${ms(r, 50, w)} / ${ms(r, 99, w)}`;
      return `| ${n} | ${both(all[0], 'delays')} | ${both(all[1], 'delays')} | ${both(all[2], 'delays')} | ${both(all[0], 'steady')} | ${both(all[1], 'steady')} | ${both(all[2], 'steady')} | ${j((r) => `${r.delays.length} (${r.steady.length})`)} | ${j((r) => r.segments)} | ${j((r) => r.errors)} |`;
    }),
    '',
    'Gateway, where the time goes (all segments, p50 / p99 ms): last frame → index row (ffmpeg cut, CSV line, first-segment probe, SQLite) and index row → stored (upload queue, PUT): ' +
      ns.flatMap((n) => (['local', 'rgw'] as const).map((t) => get(t, n)).filter((r): r is Result => !!r?.split)
        .map((r) => `${r.target} ${r.streams}: ${pp(r.split!.cut)} + ${pp(r.split!.upload)}`)).join('; ') + '.',
    '',
    '| streams | against the observed cut, p50 / p99 ms: gateway local (stored − birth of the next spool segment) | gateway RGW | nginx-rtmp (listed − birth of the next fragment) |',
    '|---:|---:|---:|---:|',
    ...ns.map((n) => `| ${n} | ${pp(get('local', n)?.direct)} | ${pp(get('rgw', n)?.direct)} | ${pp(get('nginx', n)?.direct)} |`),
  ];
  return lines.join('\n');
}
