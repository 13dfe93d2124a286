/**
 * @module core/ffmpeg-args
 * The ffmpeg command line of the segmenter (pure): FLV on stdin, stream copy, MPEG-TS segments
 * cut at keyframes on a FragDuration grid, one CSV line "file,start,end" per finished segment
 * on stdout. No -copyts: after a reconnect it collapses segment lengths (ingest-facts.md).
 */
export function segmenterArgs(o: { fragDurationSec: number; outPattern: string }): string[] {
  return [
    '-hide_banner', '-nostats', '-nostdin', '-loglevel', 'warning',
    '-f', 'flv', '-i', 'pipe:0',
    '-map', '0:v:0?', '-map', '0:a:0?', '-c', 'copy',
    '-f', 'segment',
    '-segment_format', 'mpegts',
    '-segment_time', String(o.fragDurationSec),
    '-segment_list', 'pipe:1',
    '-segment_list_type', 'csv',
    '-segment_list_flags', '+live',
    '-reset_timestamps', '0',
    o.outPattern,
  ];
}

export interface CsvSegment {
  file: string;
  startSec: number;
  endSec: number;
}

/** one line of `-segment_list_type csv`; undefined for anything else */
export function parseSegmentCsvLine(line: string): CsvSegment | undefined {
  const m = /^("(?:[^"]|"")*"|[^,]*),(-?[\d.]+),(-?[\d.]+)$/.exec(line.trim());
  if (!m) return undefined;
  const file = m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!;
  const startSec = Number(m[2]);
  const endSec = Number(m[3]);
  if (!file || !Number.isFinite(startSec) || !Number.isFinite(endSec) || endSec < startSec) return undefined;
  return { file, startSec, endSec };
}
