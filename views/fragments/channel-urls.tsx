/**
 * @module views/fragments/channel-urls
 * Signed push URLs (seed and OSS form, and OBS Server / Stream key), play links through the
 * gateway and straight to S3, with copy buttons; the key and expiry picker re-renders it.
 */
import type { AccessKey } from '../../db/schema.ts';
import type { ChannelUrls } from '../../app/http/admin/urls.ts';
import { EXPIRY_CHOICES } from '../../app/http/admin/urls.ts';
import { fmtTime } from '../format.ts';

const Copyable = ({ id, value, label }: { id: string; value: string; label: string }) => (
  <div>
    <span class="small mut">{label}</span>
    <div class="copy">
      <code id={id} class="url">{value}</code>
      <button type="button" class="sec" data-copy={id}>Copy</button>
    </div>
  </div>
);

export function UrlPicker(p: { channelId: number; keys: AccessKey[]; keyId?: string; expiresIn: number; children?: unknown }) {
  return (
    <form method="get" action={`/admin/channels/${p.channelId}`} class="grid" hx-get={`/admin/channels/${p.channelId}/urls`} hx-target="#urls" hx-trigger="change, submit">
      <label>Access key
        <select name="key">
          {p.keys.map((k) => <option value={k.id} selected={k.id === p.keyId}>{k.id}{k.description ? ` (${k.description})` : ''}{k.enabled ? '' : ' [disabled]'}</option>)}
        </select>
      </label>
      <label>Expires in
        <select name="expiresIn">
          {EXPIRY_CHOICES.map(([s, l]) => <option value={String(s)} selected={s === p.expiresIn}>{l}</option>)}
        </select>
      </label>
      <button type="submit" class="sec">Sign</button>
    </form>
  );
}

export function ChannelUrlsView({ u }: { u?: ChannelUrls }) {
  if (!u) return <div id="urls"><p class="mut">Create an access key first (Access keys page) to sign push and play URLs.</p></div>;
  return (
    <div id="urls">
      <p class="small mut">Signed with {u.key.id}, valid until {fmtTime(u.expires * 1000)}.</p>
      {u.pushProblem && <p class="msg err">{u.pushProblem}</p>}
      {u.push?.map((l) => (
        <>
          <Copyable id={`push-${l.form}`} value={l.url} label={l.form === 'seed' ? 'Push URL (seed form, /hls/)' : 'Push URL (OSS form, /live/)'} />
          {l.form === 'seed' && (
            <div class="grid2">
              <Copyable id="obs-server" value={l.server} label="OBS: Server" />
              <Copyable id="obs-key" value={l.streamKey} label="OBS: Stream key" />
            </div>
          )}
        </>
      ))}
      {u.playProblem && <p class="msg err">{u.playProblem}</p>}
      {u.playGateway && <Copyable id="play-gateway" value={u.playGateway} label="Play link through the gateway" />}
      {u.playS3 && <Copyable id="play-s3" value={u.playS3} label="Play link straight to S3 (signed with the gateway's S3 credentials)" />}
    </div>
  );
}
