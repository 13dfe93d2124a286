/**
 * @module http/admin/keys-routes
 * Access keys (db/repos/keys, the same as the CLI): list, create (secret shown once in the
 * response, never stored elsewhere or logged), enable, disable, delete.
 */
import type { Context, Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import type { AdminEnv } from './session.ts';
import { createKey, deleteKey, getKey, listKeys, setKeyEnabled, updateKey } from '../../../db/repos/keys.ts';
import type { AccessKey } from '../../../db/schema.ts';
import { checkBucket, checkChannel } from '../../core/names.ts';
import { KeysPage } from '../../../views/pages/keys.tsx';
import { formOf, page } from './render.ts';

type C = Context<AdminEnv>;

/** '*' or a comma list of bucket, bucket/*, bucket/channel — each name checked */
export function scopeProblem(scope: string): string | undefined {
  const parts = scope.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.length > 50 || parts.some((p) => p === '')) return 'scope must be * or a comma list of bucket, bucket/* or bucket/channel';
  for (const p of parts) {
    if (p === '*') continue;
    const [b, ch, ...rest] = p.split('/');
    if (rest.length) return `scope entry '${p.slice(0, 64)}' has too many '/'`;
    const cb = checkBucket(b!);
    if (!cb.ok) return cb.reason;
    if (ch !== undefined && ch !== '*') {
      const cc = checkChannel(ch);
      if (!cc.ok) return cc.reason;
    }
  }
  return undefined;
}

export function mountKeyRoutes(app: Hono<AdminEnv>, deps: AppDeps): void {
  const show = (c: C, o: { created?: AccessKey; error?: string; ok?: string; values?: Record<string, string> } = {}, status: 200 | 400 | 404 = 200) => {
    const a = c.get('admin');
    return page(c, KeysPage({ user: a.username, csrf: a.csrf, keys: listKeys(deps.db), ...o }), status);
  };

  app.get('/admin/keys', (c) => show(c));

  app.post('/admin/keys', async (c) => {
    const f = await formOf(c);
    const scope = (f.scope ?? '*').trim() || '*';
    const description = (f.description ?? '').slice(0, 128);
    const problem = scopeProblem(scope);
    if (problem) return show(c, { error: problem, values: { ...f, canPush: f.canPush ?? '0', canPlay: f.canPlay ?? '0' } }, 400);
    const created = createKey(deps.db, { description, scope, canPush: f.canPush === '1', canPlay: f.canPlay === '1' });
    c.header('Cache-Control', 'no-store'); // the one response that holds the secret
    return show(c, { created });
  });

  app.post('/admin/keys/:id', async (c) => {
    const id = c.req.param('id');
    if (!getKey(deps.db, id)) return show(c, { error: 'no such access key' }, 404);
    const f = await formOf(c);
    // an emptied field must not silently widen the key to every bucket
    const scope = (f.scope ?? '').trim();
    const problem = scopeProblem(scope);
    if (problem) return show(c, { error: `${id}: ${problem}` }, 400);
    updateKey(deps.db, id, { scope, canPush: f.canPush === '1', canPlay: f.canPlay === '1', description: (f.description ?? '').slice(0, 128) });
    return c.redirect('/admin/keys', 303);
  });

  for (const action of ['enable', 'disable', 'delete'] as const) {
    app.post(`/admin/keys/:id/${action}`, (c) => {
      const id = c.req.param('id');
      if (!getKey(deps.db, id)) return show(c, { error: 'no such access key' }, 404);
      if (action === 'delete') deleteKey(deps.db, id);
      else setKeyEnabled(deps.db, id, action === 'enable');
      return c.redirect('/admin/keys', 303);
    });
  }
}
