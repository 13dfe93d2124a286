/**
 * @module http/admin
 * The admin console: `adminGuards` (session + CSRF in front of /api/* and /admin/*, registered
 * before any route) and `mountAdmin` (static files, sign-in, live status, channels, keys, VOD).
 * In: AppDeps. Out: server-rendered pages and htmx fragments.
 */
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import type { AppDeps } from '../deps.ts';
import { adminGuard, type AdminEnv } from './session.ts';
import { bootstrapAdmin, mountAuthRoutes } from './auth-routes.ts';
import { mountStatic } from './static.ts';
import { mountChannelRoutes } from './channels-routes.ts';
import { mountKeyRoutes } from './keys-routes.ts';
import { mountVodRoutes } from './vod-routes.ts';
import { liveTable } from './live-data.ts';
import { DashboardPage } from '../../../views/pages/dashboard.tsx';
import { fragment, page } from './render.ts';
import { logger } from '../../log.ts';

const log = logger('admin');

/** form and JSON bodies of the console and API are small; anything larger is refused before it is read */
const MAX_ADMIN_BODY = 64 * 1024;

export function adminGuards(app: Hono, deps: AppDeps): void {
  const guard = adminGuard(deps.db);
  const limit = bodyLimit({ maxSize: MAX_ADMIN_BODY, onError: (c) => c.json({ error: 'too-large', reason: `body over ${MAX_ADMIN_BODY} bytes` }, 413) });
  // the console must not be framed (clickjacking on Disable/Delete); the setup token must not leak in a Referer
  const headers = secureHeaders({ xFrameOptions: 'DENY', referrerPolicy: 'no-referrer', contentSecurityPolicy: { frameAncestors: ["'none'"] } });
  for (const p of ['/api', '/api/*', '/admin', '/admin/*']) app.use(p, headers, limit);
  app.use('/api', guard);
  app.use('/api/*', guard);
  app.use('/admin', guard);
  app.use('/admin/*', guard);
}

export function mountAdmin(app: Hono, deps: AppDeps): void {
  const a = app as unknown as Hono<AdminEnv>;
  mountStatic(app);
  const boot = bootstrapAdmin(deps);
  boot.catch((e) => log.error(`admin account set-up failed: ${(e as Error).message}`));
  mountAuthRoutes(app, deps, boot);
  a.get('/admin', (c) => {
    const s = c.get('admin');
    return page(c, DashboardPage({ user: s.username, csrf: s.csrf, live: liveTable(deps) }));
  });
  a.get('/admin/', (c) => c.redirect('/admin', 301));
  a.get('/admin/fragments/live', (c) => fragment(c, liveTable(deps)));
  mountChannelRoutes(a, deps);
  mountKeyRoutes(a, deps);
  mountVodRoutes(a, deps);
}
