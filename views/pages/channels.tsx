/**
 * @module views/pages/channels
 * Channel list with the create form, and one channel's page: status/history (polled), URL
 * helpers, timeline, settings form, enable/disable and delete.
 */
import type { Channel } from '../../db/schema.ts';
import { Layout, Csrf, Notice } from '../layout.tsx';

export interface ChannelRow { ch: Channel; live: boolean }

export function ChannelForm(p: { csrf: string; ch?: Channel; values?: Record<string, string> }) {
  const v = (k: string, d: string) => p.values?.[k] ?? d;
  return (
    <form method="post" action={p.ch ? `/admin/channels/${p.ch.id}` : '/admin/channels'} class="grid">
      <Csrf token={p.csrf} />
      {!p.ch && <label>Bucket<input name="bucket" required pattern="[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]" title="3-63 characters: a-z, 0-9, '.' and '-', starting and ending with a letter or digit" value={v('bucket', '')} /></label>}
      {!p.ch && <label>Channel name<input name="name" required pattern="[A-Za-z0-9_\-]{1,100}" title="1-100 characters: letters, digits, '_' and '-'" value={v('name', '')} /></label>}
      <label>Playlist name<input name="playlistName" value={v('playlistName', p.ch?.playlistName ?? 'playlist.m3u8')} /></label>
      <label>FragDuration (s, 1–100)<input name="fragDuration" type="number" min="1" max="100" value={v('fragDuration', String(p.ch?.fragDuration ?? 5))} /></label>
      <label>FragCount (1–100)<input name="fragCount" type="number" min="1" max="100" value={v('fragCount', String(p.ch?.fragCount ?? 3))} /></label>
      <label class="wide">Description<input name="description" maxlength={128} value={v('description', p.ch?.description ?? '')} /></label>
      <button type="submit">{p.ch ? 'Save settings' : 'Create channel'}</button>
    </form>
  );
}

export function ChannelsPage(p: { user: string; csrf: string; rows: ChannelRow[]; error?: string; ok?: string; values?: Record<string, string> }) {
  return (
    <Layout title="Channels" user={p.user} csrf={p.csrf} active="channels">
      <h1>Channels</h1>
      <Notice error={p.error} ok={p.ok} />
      <section class="card">
        <h2>New channel</h2>
        <ChannelForm csrf={p.csrf} values={p.values} />
      </section>
      <section class="card">
        {p.rows.length === 0 ? <p class="mut">No channels yet.</p> : (
          <table>
            <thead><tr><th>Channel</th><th>Status</th><th class="hide-sm">Playlist</th><th class="hide-sm">Frag</th><th>Description</th></tr></thead>
            <tbody>
              {p.rows.map(({ ch, live }) => (
                <tr data-channel={`${ch.bucket}/${ch.name}`}>
                  <td><a href={`/admin/channels/${ch.id}`}>{ch.bucket}/{ch.name}</a></td>
                  <td>{live && <span class="badge live">LIVE</span>} <span class={ch.status === 'enabled' ? 'badge on' : 'badge off'}>{ch.status}</span></td>
                  <td class="hide-sm">{ch.playlistName}</td>
                  <td class="hide-sm">{ch.fragDuration}s × {ch.fragCount}</td>
                  <td class="desc">{ch.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </Layout>
  );
}

export function ChannelPage(p: {
  user: string; csrf: string; ch: Channel; live: boolean; error?: string; ok?: string;
  status: unknown; urlPicker: unknown; urls: unknown; timeline: unknown; values?: Record<string, string>;
}) {
  const { ch } = p;
  return (
    <Layout title={`${ch.bucket}/${ch.name}`} user={p.user} csrf={p.csrf} active="channels">
      <h1>{ch.bucket}/{ch.name} <span class={ch.status === 'enabled' ? 'badge on' : 'badge off'}>{ch.status}</span></h1>
      {ch.description && <p class="desc" data-testid="description">{ch.description}</p>}
      <Notice error={p.error} ok={p.ok} />
      <section class="card">{p.status}</section>
      <section class="card">
        <h2>Push and play URLs</h2>
        {p.urlPicker}
        {p.urls}
      </section>
      <section class="card">
        <h2>Timeline</h2>
        {p.timeline}
      </section>
      <section class="card">
        <h2>Settings</h2>
        <ChannelForm csrf={p.csrf} ch={ch} values={p.values} />
        <div class="actions" style="margin-top:.8rem">
          <form method="post" action={`/admin/channels/${ch.id}/${ch.status === 'enabled' ? 'disable' : 'enable'}`} class="inline">
            <Csrf token={p.csrf} />
            <button type="submit" class="sec">{ch.status === 'enabled' ? 'Disable (cuts a live encoder)' : 'Enable'}</button>
          </form>
          <form method="post" action={`/admin/channels/${ch.id}/delete`} class="inline" onsubmit="return confirm('Delete this channel and its segment index?')">
            <Csrf token={p.csrf} />
            <button type="submit" class="danger" disabled={p.live}>Delete</button>
          </form>
        </div>
      </section>
    </Layout>
  );
}
