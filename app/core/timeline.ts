/**
 * @module core/timeline
 * The picture of a channel's last day or week, as data: publish sessions (and the part of each
 * that has recorded segments) laid out on an x axis, gaps left empty, relative tick labels, and
 * for each bar the VOD range (unix seconds) that a click prefills. Pure: `now` is passed in.
 */
export interface TimelineSpan {
  id: number;
  startMs: number;
  /** null while live */
  endMs: number | null;
  /** first segment start and last segment end of the session, when it has segments */
  recStartMs?: number;
  recEndMs?: number;
}

export interface TimelineBar {
  id: number;
  x: number;
  w: number;
  recX?: number;
  recW?: number;
  live: boolean;
  vodStart: number;
  vodEnd: number;
  startMs: number;
  endMs: number;
}

export const SPANS = { day: 86_400_000, week: 7 * 86_400_000 } as const;
export type SpanName = keyof typeof SPANS;

export function layoutTimeline(spans: TimelineSpan[], o: { nowMs: number; span: SpanName; width: number; maxVodSec: number }): { bars: TimelineBar[]; ticks: { x: number; label: string }[]; fromMs: number } {
  const len = SPANS[o.span];
  const fromMs = o.nowMs - len;
  const xOf = (t: number) => ((Math.min(Math.max(t, fromMs), o.nowMs) - fromMs) / len) * o.width;
  const bars: TimelineBar[] = [];
  for (const s of spans) {
    const end = s.endMs ?? o.nowMs;
    if (end < fromMs || s.startMs > o.nowMs) continue;
    // at least MIN_W wide (a short push in a week is still visible) and inside the picture
    const w = Math.max(MIN_W, xOf(end) - xOf(s.startMs));
    const x = Math.min(xOf(s.startMs), o.width - w);
    const rs = s.recStartMs ?? s.startMs;
    const re = s.recEndMs ?? end;
    let vodEnd = Math.ceil(re / 1000);
    let vodStart = Math.floor(rs / 1000);
    if (vodEnd - vodStart > o.maxVodSec) vodStart = vodEnd - o.maxVodSec;
    if (vodEnd <= vodStart) vodEnd = vodStart + 1;
    const bar: TimelineBar = { id: s.id, x: round(x), w: round(w), live: s.endMs === null, vodStart, vodEnd, startMs: s.startMs, endMs: end };
    if (s.recStartMs !== undefined && s.recEndMs !== undefined) {
      const rw = Math.min(w, Math.max(MIN_W / 2, xOf(s.recEndMs) - xOf(s.recStartMs)));
      bar.recX = round(Math.min(Math.max(xOf(s.recStartMs), x), x + w - rw));
      bar.recW = round(rw);
    }
    bars.push(bar);
  }
  const steps = o.span === 'day' ? 6 : 7;
  const unit = o.span === 'day' ? 'h' : 'd';
  const per = o.span === 'day' ? 4 : 1;
  const ticks = Array.from({ length: steps + 1 }, (_, i) => ({
    x: round((i / steps) * o.width),
    label: i === steps ? 'now' : `-${(steps - i) * per}${unit}`,
  }));
  return { bars, ticks, fromMs };
}

const round = (n: number) => Math.round(n * 10) / 10;
const MIN_W = 6;
