/**
 * @module core/vod-range
 * Checks a VOD time range as OSS PostVodPlaylist takes it (unix seconds) before any lookup;
 * every refusal says what to change.
 */

/** the largest 10-digit value: 2286-11-20. Anything larger is almost surely milliseconds */
export const MAX_UNIX_SECONDS = 9_999_999_999;

export type RangeCheck =
  | { ok: true; startSec: number; endSec: number }
  | { ok: false; code: 'bad-time' | 'milliseconds' | 'end-before-start' | 'range-too-long'; reason: string };

/** a time from JSON (number) or the command line (string) as whole unix seconds */
function parseTime(name: string, v: unknown): { ok: true; sec: number } | { ok: false; code: 'bad-time' | 'milliseconds'; reason: string } {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) return { ok: false, code: 'bad-time', reason: `${name} must be whole unix seconds, got '${String(v).slice(0, 30)}'` };
  const n = Number(s);
  if (s.length > 10 || n > MAX_UNIX_SECONDS)
    return { ok: false, code: 'milliseconds', reason: `${name} ${s} looks like milliseconds: give unix seconds (${Math.floor(n / 1000)})` };
  return { ok: true, sec: n };
}

/** [start, end] must be ordered and at most maxRangeSec long (OSS: one day) */
export function checkVodRange(start: unknown, end: unknown, maxRangeSec: number): RangeCheck {
  const a = parseTime('start', start);
  if (!a.ok) return a;
  const b = parseTime('end', end);
  if (!b.ok) return b;
  if (b.sec <= a.sec) return { ok: false, code: 'end-before-start', reason: `end (${b.sec}) must be after start (${a.sec})` };
  if (b.sec - a.sec > maxRangeSec)
    return { ok: false, code: 'range-too-long', reason: `range of ${b.sec - a.sec} s is longer than the limit of ${maxRangeSec} s (VOD_MAX_RANGE_SEC): split it` };
  return { ok: true, startSec: a.sec, endSec: b.sec };
}
