/**
 * @module views/fragments/channel-status
 * One channel's live state and publish history (start, end, encoder address, reason), polled
 * every 3 s on the channel page.
 */
import type { Session } from '../../db/schema.ts';
import { fmtBytes, fmtDuration, fmtTime, orDash } from '../format.ts';
import { LiveTr, type LiveRow } from './live-table.tsx';

export function ChannelStatus(p: { channelId: number; live?: LiveRow; history: Session[]; now: number }) {
  return (
    <div id="channel-status" hx-get={`/admin/channels/${p.channelId}/status`} hx-trigger="every 3s" hx-swap="outerHTML">
      <h2>Status {p.live ? <span class="badge live" data-testid="live-badge">LIVE</span> : <span class="badge" data-testid="idle-badge">idle</span>}</h2>
      {p.live && (
        <table class="live-now">
          <thead><tr><th>Channel</th><th>Since</th><th class="hide-sm">Encoder</th><th>Video</th><th>Audio</th><th>Segments</th><th>Backlog</th></tr></thead>
          <tbody><LiveTr r={p.live} now={p.now} /></tbody>
        </table>
      )}
      <h2 style="margin-top:1rem">Publish history</h2>
      {p.history.length === 0 ? (
        <p class="mut">No pushes yet.</p>
      ) : (
        <table class="history">
          <thead><tr><th>Start</th><th>End</th><th>Length</th><th class="hide-sm">Encoder</th><th>Video</th><th>Segments</th><th>Reason</th></tr></thead>
          <tbody>
            {p.history.map((s) => (
              <tr data-session={s.id} data-status={s.status}>
                <td>{fmtTime(s.startedAt)}</td>
                <td>{s.status === 'live' ? <span class="badge live">live</span> : fmtTime(s.endedAt)}</td>
                <td>{fmtDuration((s.endedAt ?? p.now) - s.startedAt)}</td>
                <td class="hide-sm"><code>{s.remoteAddr}</code></td>
                <td>{s.width && s.height ? `${s.width}x${s.height}` : '–'}{s.fps ? ` @${s.fps}` : ''}</td>
                <td>{s.segments} ({fmtBytes(s.bytes)})</td>
                <td class="reason">{orDash(s.endReason)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
