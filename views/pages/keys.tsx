/**
 * @module views/pages/keys
 * Access keys: create (the secret is shown once, with a copy button), list with last use,
 * scope and rights; enable, disable, delete.
 */
import type { AccessKey } from '../../db/schema.ts';
import { Layout, Csrf, Notice } from '../layout.tsx';
import { fmtTime } from '../format.ts';

export function KeysPage(p: { user: string; csrf: string; keys: AccessKey[]; created?: AccessKey; error?: string; ok?: string; values?: Record<string, string> }) {
  const v = (k: string, d: string) => p.values?.[k] ?? d;
  return (
    <Layout title="Access keys" user={p.user} csrf={p.csrf} active="keys">
      <h1>Access keys</h1>
      <Notice error={p.error} ok={p.ok} />
      {p.created && (
        <div class="secret" data-testid="new-key">
          <p><b>Key created.</b> Copy the secret now: it is not shown again.</p>
          <span class="small mut">AccessKeyId</span>
          <div class="copy"><code id="new-key-id">{p.created.id}</code><button type="button" class="sec" data-copy="new-key-id">Copy</button></div>
          <span class="small mut">AccessKeySecret</span>
          <div class="copy"><code id="new-key-secret">{p.created.secret}</code><button type="button" class="sec" data-copy="new-key-secret">Copy</button></div>
        </div>
      )}
      <section class="card">
        <h2>New key</h2>
        <form method="post" action="/admin/keys" class="grid">
          <Csrf token={p.csrf} />
          <label>Description<input name="description" maxlength={128} value={v('description', '')} /></label>
          <label>Scope (*, bucket, bucket/channel; comma list)<input name="scope" value={v('scope', '*')} /></label>
          <label class="check"><input type="checkbox" name="canPush" value="1" checked={v('canPush', '1') === '1'} /> may push</label>
          <label class="check"><input type="checkbox" name="canPlay" value="1" checked={v('canPlay', '1') === '1'} /> may play</label>
          <button type="submit">Create key</button>
        </form>
      </section>
      <section class="card">
        {p.keys.length === 0 ? <p class="mut">No access keys yet.</p> : (
          <table>
            <thead><tr><th>Key</th><th>Status</th><th>Scope</th><th>Rights</th><th class="hide-sm">Created</th><th>Last used</th><th></th></tr></thead>
            <tbody>
              {p.keys.map((k) => (
                <tr data-key={k.id}>
                  <td><code>{k.id}</code>{k.description && <div class="small mut">{k.description}</div>}</td>
                  <td><span class={k.enabled ? 'badge on' : 'badge off'}>{k.enabled ? 'enabled' : 'disabled'}</span></td>
                  <td><code>{k.scope}</code></td>
                  <td>{[k.canPush && 'push', k.canPlay && 'play'].filter(Boolean).join(', ') || 'none'}</td>
                  <td class="hide-sm">{fmtTime(k.createdAt)}</td>
                  <td class="last-used">{fmtTime(k.lastUsedAt)}</td>
                  <td><div class="actions">
                    <form method="post" action={`/admin/keys/${encodeURIComponent(k.id)}/${k.enabled ? 'disable' : 'enable'}`} class="inline">
                      <Csrf token={p.csrf} /><button type="submit" class="sec">{k.enabled ? 'Disable' : 'Enable'}</button>
                    </form>
                    <details class="edit">
                      <summary>Edit</summary>
                      <form method="post" action={`/admin/keys/${encodeURIComponent(k.id)}`} class="grid">
                        <Csrf token={p.csrf} />
                        <label>Description<input name="description" maxlength={128} value={k.description} /></label>
                        <label>Scope<input name="scope" value={k.scope} /></label>
                        <label class="check"><input type="checkbox" name="canPush" value="1" checked={k.canPush} /> may push</label>
                        <label class="check"><input type="checkbox" name="canPlay" value="1" checked={k.canPlay} /> may play</label>
                        <button type="submit" class="sec">Save</button>
                      </form>
                    </details>
                    <form method="post" action={`/admin/keys/${encodeURIComponent(k.id)}/delete`} class="inline" onsubmit="return confirm('Delete this key? URLs signed with it stop working.')">
                      <Csrf token={p.csrf} /><button type="submit" class="danger">Delete</button>
                    </form>
                  </div></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </Layout>
  );
}
