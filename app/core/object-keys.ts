/**
 * @module core/object-keys
 * The object-key scheme shared by the write side (uploads) and the read side (playback, VOD):
 * `<channel>/<13-digit epoch ms>.ts` for segments, `<channel>/<name>.m3u8` for playlists.
 */

export function segmentKey(channel: string, startMs: number): string {
  return `${channel}/${String(Math.round(startMs)).padStart(13, '0')}.ts`;
}

export function playlistKey(channel: string, playlistName: string): string {
  return `${channel}/${playlistName}`;
}

/** start ms from a segment key, or undefined when the key is not a segment of this scheme */
export function segmentStartMs(key: string): number | undefined {
  const m = /\/(\d{13})\.ts$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** "6.016": the 3-decimal duration used for both EXTINF and the `extinf` metadata */
export function formatDuration(seconds: number): string {
  return (Math.round(seconds * 1000) / 1000).toFixed(3);
}
