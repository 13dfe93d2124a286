/**
 * @module views/fragments/live-table
 * What is live right now (polled by htmx every 2 s): encoder, codecs, resolution, frame rate,
 * bitrates, segments and upload backlog per channel, plus the upload queue totals.
 */
import { fmtBytes, fmtDuration, fmtTime, orDash } from '../format.ts';

export interface LiveRow {
  channelId: number;
  bucket: string;
  channel: string;
  remote: string;
  startedAt: number;
  videoCodec?: string;
  width?: number;
  height?: number;
  fps?: number;
  videoKbps?: number;
  audioCodec?: string;
  sampleRate?: number;
  audioKbps?: number;
  segments: number;
  backlogCount: number;
  backlogBytes: number;
}

export interface UploadTotals {
  pending: number;
  pendingBytes: number;
  retries: number;
  stored: number;
  failingChannels: number;
}

export function LiveTable({ rows, uploads, now }: { rows: LiveRow[]; uploads: UploadTotals; now: number }) {
  return (
    <div id="live" hx-get="/admin/fragments/live" hx-trigger="every 2s" hx-swap="outerHTML">
      <p class="small mut">
        Upload queue: {uploads.pending} segment(s) waiting ({fmtBytes(uploads.pendingBytes)}), {uploads.stored} stored, {uploads.retries} retries
        {uploads.failingChannels > 0 && <b class="badge off">{uploads.failingChannels} channel(s) failing</b>}
      </p>
      {rows.length === 0 ? (
        <p class="mut" data-testid="no-live">Nothing is live.</p>
      ) : (
        <table>
          <thead>
            <tr><th>Channel</th><th>Since</th><th class="hide-sm">Encoder</th><th>Video</th><th>Audio</th><th>Segments</th><th>Backlog</th></tr>
          </thead>
          <tbody>
            {rows.map((r) => <LiveTr r={r} now={now} />)}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function LiveTr({ r, now }: { r: LiveRow; now: number }) {
  return (
    <tr data-channel={`${r.bucket}/${r.channel}`}>
      <td><span class="badge live">LIVE</span> <a href={`/admin/channels/${r.channelId}`}>{r.bucket}/{r.channel}</a></td>
      <td>{fmtTime(r.startedAt)}<br /><span class="small mut">{fmtDuration(now - r.startedAt)}</span></td>
      <td class="hide-sm"><code>{r.remote}</code></td>
      <td class="video">{orDash(r.videoCodec)} <span class="res">{r.width && r.height ? `${r.width}x${r.height}` : ''}</span>{r.fps ? ` @${r.fps} fps` : ''}{r.videoKbps ? `, ${r.videoKbps} kbps` : ''}</td>
      <td class="audio">{orDash(r.audioCodec)}{r.sampleRate ? ` ${r.sampleRate} Hz` : ''}{r.audioKbps ? `, ${r.audioKbps} kbps` : ''}</td>
      <td>{r.segments}</td>
      <td>{r.backlogCount} ({fmtBytes(r.backlogBytes)})</td>
    </tr>
  );
}
