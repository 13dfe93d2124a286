/**
 * @module scripts/bench/ingest-proc
 * /proc sampling for the ingest benchmark: a root pid in, CPU seconds of its process tree
 * (utime+stime of every live member plus cutime+cstime, i.e. children already reaped) and the peak
 * of the tree's summed RSS / PSS (smaps_rollup) out, sampled every 250 ms.
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

const conf = (name: string, dflt: number) => {
  try {
    return Number(execFileSync('getconf', [name]).toString().trim()) || dflt;
  } catch {
    return dflt;
  }
};
const CLK_TCK = conf('CLK_TCK', 100);
const PAGE = conf('PAGESIZE', 4096);

interface Stat { pid: number; ppid: number; ticks: number; rssBytes: number; comm: string }

function readStat(pid: number): Stat | undefined {
  let s: string;
  try {
    s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = s.lastIndexOf(')');
  const comm = s.slice(s.indexOf('(') + 1, close);
  const f = s.slice(close + 2).split(' '); // f[0] is field 3 (state)
  const n = (i: number) => Number(f[i - 3]);
  return { pid, ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17), rssBytes: n(24) * PAGE, comm };
}

function readPssBytes(pid: number): number | undefined {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * the root and all its descendants that are alive now; `skip` prunes a process and its subtree
 * (tsx's esbuild service: a development-only helper, absent from a compiled deployment)
 */
export function processTree(root: number, skip: (comm: string) => boolean = (c) => c === 'esbuild'): Stat[] {
  const all: Stat[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st) all.push(st);
  }
  const byParent = new Map<number, Stat[]>();
  for (const st of all) byParent.set(st.ppid, [...(byParent.get(st.ppid) ?? []), st]);
  const rootStat = all.find((s) => s.pid === root);
  if (!rootStat) return [];
  const out: Stat[] = [];
  const stack = [rootStat];
  while (stack.length) {
    const s = stack.pop()!;
    if (s.pid !== root && skip(s.comm)) continue;
    out.push(s);
    stack.push(...(byParent.get(s.pid) ?? []));
  }
  return out;
}

export interface TreeSampler {
  /** CPU seconds used so far by the tree (exact once children have exited and been reaped) */
  cpuSec(): number;
  /** peaks since the last resetPeaks() */
  peak(): { rssMB: number; pssMB: number | undefined; maxProcs: number };
  resetPeaks(): void;
  /** names of descendant processes alive now (without the root) */
  children(): string[];
  stop(): void;
}

export function sampleTree(root: number, intervalMs = 250): TreeSampler {
  let peakRss = 0;
  let peakPss: number | undefined;
  let maxProcs = 0;
  const sample = () => {
    const tree = processTree(root);
    if (!tree.length) return;
    const rss = tree.reduce((a, s) => a + s.rssBytes, 0);
    let pss: number | undefined = 0;
    for (const s of tree) {
      const p = readPssBytes(s.pid);
      pss = p === undefined || pss === undefined ? undefined : pss + p;
    }
    peakRss = Math.max(peakRss, rss);
    if (pss !== undefined) peakPss = Math.max(peakPss ?? 0, pss);
    maxProcs = Math.max(maxProcs, tree.length);
  };
  const timer = setInterval(sample, intervalMs);
  sample();
  const MB = 1024 * 1024;
  return {
    cpuSec: () => processTree(root).reduce((a, s) => a + s.ticks, 0) / CLK_TCK,
    peak: () => ({ rssMB: peakRss / MB, pssMB: peakPss === undefined ? undefined : peakPss / MB, maxProcs }),
    resetPeaks: () => {
      peakRss = 0;
      peakPss = undefined;
      maxProcs = 0;
      sample();
    },
    children: () => processTree(root).filter((s) => s.pid !== root).map((s) => s.comm),
    stop: () => clearInterval(timer),
  };
}
