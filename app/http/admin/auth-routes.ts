/**
 * @module http/admin/auth-routes
 * Sign-in, sign-out and first-start setup. The admin account comes from ADMIN_PASSWORD, or a
 * one-time setup link (random token) is logged. Failed sign-ins are rate-limited per IP and user.
 */
import type { Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { AppDeps } from '../deps.ts';
import { countAdmins, createAdmin, getAdminByName } from '../../../db/repos/admin.ts';
import { rateCheck, rateClear, rateHit, rateUndo, ratePrune, type RateRule, type RateState } from '../../core/rate-limit.ts';
import { safeEqual } from '../../core/signing/hmac.ts';
import { logger } from '../../log.ts';
import { LoginPage, SetupPage } from '../../../views/pages/login.tsx';
import { hashPassword, passwordProblem, randomToken, verifyPassword } from './password.ts';
import { PRE_COOKIE, cookieOpts, csrfOk, endSession, startSession, currentSession } from './session.ts';
import { formOf, page } from './render.ts';

const log = logger('admin');
export const LOGIN_RULES: { ip: RateRule; user: RateRule } = { ip: { max: 20, windowMs: 15 * 60_000 }, user: { max: 8, windowMs: 15 * 60_000 } };
/** a dummy hash so an unknown user costs the same scrypt work as a known one */
let dummyHash: Promise<string> | undefined;

function clientIp(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // app.request() in tests has no socket
  }
}

function preToken(c: Context): string {
  const have = getCookie(c, PRE_COOKIE);
  if (have && /^[A-Za-z0-9_-]{20,64}$/.test(have)) return have;
  const t = randomToken(18);
  setCookie(c, PRE_COOKIE, t, cookieOpts(c, 3600));
  return t;
}

const safeNext = (n: string | undefined) => (n && /^\/admin(\/[A-Za-z0-9/_.-]*)?$/.test(n) ? n : '/admin');

/** create the admin from ADMIN_PASSWORD, or return a one-time setup token (logged as a link) */
export async function bootstrapAdmin(deps: AppDeps): Promise<{ setupToken?: string }> {
  if (countAdmins(deps.db) > 0) return {};
  if (deps.config.adminPassword) {
    const problem = passwordProblem(deps.config.adminPassword);
    if (problem) log.warn(`ADMIN_PASSWORD is weak (${problem}); it is used anyway`);
    const hash = await hashPassword(deps.config.adminPassword);
    if (countAdmins(deps.db) > 0) return {}; // another process won the race
    createAdmin(deps.db, 'admin', hash);
    log.info('admin user created from ADMIN_PASSWORD');
    return {};
  }
  const token = randomToken(24);
  log.info(`no admin user yet: open ${deps.config.publicHttpBase}/admin/setup?token=${token} once to set the password (or set ADMIN_PASSWORD)`);
  return { setupToken: token };
}

export function mountAuthRoutes(app: Hono, deps: AppDeps, boot: Promise<{ setupToken?: string }>): void {
  const failures: RateState = new Map();
  let setupToken: string | undefined;
  void boot.then((b) => (setupToken = b.setupToken));

  app.get('/admin/login', (c) => {
    if (currentSession(c, deps.db)) return c.redirect('/admin', 303);
    return page(c, LoginPage({ pre: preToken(c), next: c.req.query('next') }));
  });

  app.post('/admin/login', async (c) => {
    await boot.catch(() => {}); // the ADMIN_PASSWORD account is being created at start
    const f = await formOf(c);
    const pre = preToken(c);
    const username = (f.username ?? '').slice(0, 64);
    const again = (error: string, status: 400 | 403 | 429) => page(c, LoginPage({ pre, next: f.next, error, username }), status);
    if (!csrfOk(f._csrf ?? '', getCookie(c, PRE_COOKIE) ?? '')) return again('The form expired: please sign in again.', 403);
    const now = Date.now();
    ratePrune(failures, now, 10_000);
    const ipKey = `ip:${clientIp(c)}`;
    const userKey = `user:${username}`;
    for (const [k, rule] of [[ipKey, LOGIN_RULES.ip], [userKey, LOGIN_RULES.user]] as const) {
      const r = rateCheck(failures, k, rule, now);
      if (!r.allowed) {
        c.header('Retry-After', String(r.retryAfterSec));
        return again(`Too many failed sign-ins: try again in ${Math.ceil(r.retryAfterSec / 60)} min.`, 429);
      }
    }
    // counted as a failure before the (slow, async) check: parallel guesses cannot all pass the limit first
    rateHit(failures, ipKey, LOGIN_RULES.ip, now);
    rateHit(failures, userKey, LOGIN_RULES.user, now);
    const user = getAdminByName(deps.db, username);
    dummyHash ??= hashPassword(randomToken());
    const ok = await verifyPassword(f.password ?? '', user?.passwordHash ?? (await dummyHash));
    if (!user || !ok) {
      log.warn(`admin sign-in failed for '${username.replace(/[^\w.-]/g, '?')}' from ${clientIp(c)}`);
      return again('Wrong user or password.', 400);
    }
    rateClear(failures, userKey);
    rateUndo(failures, ipKey);
    endSession(c, deps.db, { keepCookie: true }); // a session from before this sign-in does not stay valid; the new cookie replaces it
    startSession(c, deps.db, user.id);
    return c.redirect(safeNext(f.next), 303);
  });

  app.post('/admin/logout', (c) => {
    endSession(c, deps.db);
    return c.redirect('/admin/login', 303);
  });

  const setupValid = (t: string | undefined) => !!setupToken && !!t && safeEqual(t, setupToken) && countAdmins(deps.db) === 0;

  app.get('/admin/setup', async (c) => {
    await boot.catch(() => {});
    const t = c.req.query('token');
    if (!setupValid(t)) return c.text('this setup link is not valid (already used, or an admin exists): sign in at /admin/login', 404);
    return page(c, SetupPage({ pre: preToken(c), token: t! }));
  });

  app.post('/admin/setup', async (c) => {
    await boot.catch(() => {});
    const f = await formOf(c);
    if (!setupValid(f.token)) return c.text('this setup link is not valid (already used, or an admin exists)', 404);
    const pre = preToken(c);
    if (!csrfOk(f._csrf ?? '', getCookie(c, PRE_COOKIE) ?? '')) return page(c, SetupPage({ pre, token: f.token!, error: 'The form expired: try again.' }), 403);
    const pw = f.password ?? '';
    const problem = passwordProblem(pw) ?? (pw !== f.confirm ? 'the two passwords differ' : undefined);
    if (problem) return page(c, SetupPage({ pre, token: f.token!, error: problem }), 400);
    setupToken = undefined;
    const user = createAdmin(deps.db, 'admin', await hashPassword(pw));
    log.info('admin user created through the setup link');
    startSession(c, deps.db, user.id);
    return c.redirect('/admin', 303);
  });
}
