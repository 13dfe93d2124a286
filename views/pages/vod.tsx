/**
 * @module views/pages/vod
 * The VOD form (channel, start/end shown in local time and sent as unix seconds, name, relative
 * or signed URIs) with the channel's timeline; the result fragment links and previews it.
 */
import type { AccessKey, Channel } from '../../db/schema.ts';
import { Layout, Csrf, Notice } from '../layout.tsx';
import { EXPIRY_CHOICES, DEFAULT_EXPIRY } from '../../app/http/admin/urls.ts';

export interface VodResultView {
  error?: string;
  bucket?: string;
  key?: string;
  segments?: number;
  durationSec?: number;
  discontinuities?: number;
  pending?: number;
  link?: string;
  preview?: string;
  previewProblem?: string;
}

export function VodResult({ r }: { r?: VodResultView }) {
  if (!r) return <div id="vod-result"></div>;
  if (r.error) return <div id="vod-result"><p class="msg err" role="alert">{r.error}</p></div>;
  return (
    <div id="vod-result" data-testid="vod-result">
      <p class="msg ok">Stored {r.bucket ? `${r.bucket}/` : ''}{r.key}: {r.segments} segment(s), {r.durationSec?.toFixed(1)} s{r.discontinuities ? `, ${r.discontinuities} gap(s)` : ''}{r.pending ? `, ${r.pending} still uploading (not included)` : ''}.</p>
      {r.link && (
        <div class="copy"><code id="vod-link" class="url">{r.link}</code><button type="button" class="sec" data-copy="vod-link">Copy</button></div>
      )}
      {r.preview ? <video class="preview" id="vod-preview" controls muted playsinline data-hls={r.preview}></video> : <p class="mut small">{r.previewProblem}</p>}
    </div>
  );
}

export function VodForm(p: { csrf: string; channels: Channel[]; keys: AccessKey[]; v: Record<string, string> }) {
  const mode = p.v.mode === 'signed' ? 'signed' : 'relative';
  return (
    <form method="post" action="/admin/vod" class="grid" id="vod" hx-post="/admin/vod" hx-target="#vod-result" hx-swap="outerHTML">
      <Csrf token={p.csrf} />
      <label class="wide">Channel
        <select name="channel" required data-reload-channel="1">
          {p.channels.map((c) => <option value={String(c.id)} selected={String(c.id) === p.v.channel}>{c.bucket}/{c.name}</option>)}
        </select>
      </label>
      <label>Start (local time)<input type="datetime-local" step="1" data-unix-for="vod-start" hidden /></label>
      <label>Start (unix s)<input id="vod-start" name="start" inputmode="numeric" pattern="\d+" required value={p.v.start ?? ''} /></label>
      <label>End (local time)<input type="datetime-local" step="1" data-unix-for="vod-end" hidden /></label>
      <label>End (unix s)<input id="vod-end" name="end" inputmode="numeric" pattern="\d+" required value={p.v.end ?? ''} /></label>
      <label>Name (.m3u8, optional)<input name="name" placeholder="vod-<start>-<end>.m3u8" value={p.v.name ?? ''} /></label>
      <label>URIs
        <select name="mode">
          <option value="relative" selected={mode === 'relative'}>relative</option>
          <option value="signed" selected={mode === 'signed'}>signed</option>
        </select>
      </label>
      <label>Key (play link; signed URIs)
        <select name="key">
          <option value="">{p.keys.length ? 'first key that may play' : '(no keys)'}</option>
          {p.keys.map((k) => <option value={k.id} selected={k.id === p.v.key}>{k.id}</option>)}
        </select>
      </label>
      <label>Expires in
        <select name="expiresIn">
          {EXPIRY_CHOICES.map(([s, l]) => <option value={String(s)} selected={String(s) === (p.v.expiresIn ?? String(DEFAULT_EXPIRY))}>{l}</option>)}
        </select>
      </label>
      <button type="submit">Build VOD</button>
    </form>
  );
}

export function VodPage(p: { user: string; csrf: string; channels: Channel[]; keys: AccessKey[]; v: Record<string, string>; timeline: unknown; result?: VodResultView; error?: string }) {
  return (
    <Layout title="VOD" user={p.user} csrf={p.csrf} active="vod">
      <script src="/static/hls.min.js" defer></script>
      <h1>Build a VOD playlist</h1>
      <Notice error={p.error} />
      {p.channels.length === 0 ? <p class="mut">Create a channel first.</p> : (
        <>
          <section class="card">{p.timeline}</section>
          <section class="card">
            <VodForm csrf={p.csrf} channels={p.channels} keys={p.keys} v={p.v} />
            <VodResult r={p.result} />
          </section>
        </>
      )}
    </Layout>
  );
}
