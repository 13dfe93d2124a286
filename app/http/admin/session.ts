/**
 * @module http/admin/session
 * Admin sign-in state. In: the request (cookie, CSRF field or header). Out: the session on the
 * context, or a refusal: /api/* gets JSON 401/403, /admin/* a redirect to the sign-in page / 403.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import type { Db } from '../../../db/index.ts';
import { findAdminSession, insertAdminSession, deleteAdminSession, getAdminById, pruneAdminSessions } from '../../../db/repos/admin.ts';
import { safeEqual } from '../../core/signing/hmac.ts';
import { randomToken, tokenHash } from './password.ts';

export const SESSION_COOKIE = 'lcg_admin';
/** double-submit cookie of the sign-in and setup forms (there is no session yet) */
export const PRE_COOKIE = 'lcg_pre';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';
export const SESSION_TTL_MS = 12 * 3600 * 1000;

export interface AdminCtx {
  userId: number;
  username: string;
  csrf: string;
}

export type AdminEnv = { Variables: { admin: AdminCtx } };

/** the request came over https, directly or through a proxy that says so */
export function isHttps(c: Context): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  return (c.req.header('x-forwarded-proto') ?? '').split(',')[0]!.trim().toLowerCase() === 'https';
}

export function cookieOpts(c: Context, maxAgeSec: number) {
  return { httpOnly: true, sameSite: 'Lax' as const, secure: isHttps(c), path: '/', maxAge: maxAgeSec };
}

export function startSession(c: Context, db: Db, userId: number): string {
  const token = randomToken();
  const csrf = randomToken(24);
  insertAdminSession(db, { tokenHash: tokenHash(token), userId, csrf, ttlMs: SESSION_TTL_MS });
  setCookie(c, SESSION_COOKIE, token, cookieOpts(c, SESSION_TTL_MS / 1000));
  return csrf;
}

export function endSession(c: Context, db: Db, o: { keepCookie?: boolean } = {}): void {
  const token = getCookie(c, SESSION_COOKIE);
  if (token) deleteAdminSession(db, tokenHash(token));
  if (!o.keepCookie) deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c) });
}

export function currentSession(c: Context, db: Db): AdminCtx | undefined {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token || token.length > 100) return undefined;
  const s = findAdminSession(db, tokenHash(token));
  if (!s) return undefined;
  const u = getAdminById(db, s.userId);
  return u ? { userId: u.id, username: u.username, csrf: s.csrf } : undefined;
}

/** the CSRF token the request carries: header (htmx, fetch) or the hidden form field */
export async function givenCsrf(c: Context): Promise<string> {
  const h = c.req.header(CSRF_HEADER);
  if (h) return h;
  const type = c.req.header('content-type') ?? '';
  if (/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) {
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const v = body[CSRF_FIELD];
    return typeof v === 'string' ? v : '';
  }
  return '';
}

export const csrfOk = (given: string, expected: string) => given.length > 0 && safeEqual(given, expected);

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** pages reachable without a session */
const PUBLIC_ADMIN = new Set(['/admin/login', '/admin/setup']);

/** session guard for /api/* (JSON) and /admin/* (redirect); CSRF check on every unsafe method */
export function adminGuard(db: Db): MiddlewareHandler<AdminEnv> {
  let lastPrune = 0;
  return async (c, next) => {
    const path = c.req.path;
    const api = path === '/api' || path.startsWith('/api/');
    if (!api && PUBLIC_ADMIN.has(path)) return next();
    if (Date.now() - lastPrune > 600_000) {
      lastPrune = Date.now();
      pruneAdminSessions(db);
    }
    const s = currentSession(c, db);
    if (!s) {
      if (api) return c.json({ error: 'unauthorized', reason: 'sign in to the admin console first (no valid session cookie)' }, 401);
      if (c.req.header('hx-request')) {
        c.header('HX-Redirect', '/admin/login');
        return c.body(null, 401);
      }
      const next = SAFE.has(c.req.method) ? `?next=${encodeURIComponent(path)}` : '';
      return c.redirect(`/admin/login${next}`, 303);
    }
    if (!SAFE.has(c.req.method) && !csrfOk(await givenCsrf(c), s.csrf)) {
      if (api) return c.json({ error: 'csrf', reason: `missing or wrong ${CSRF_HEADER} header` }, 403);
      return c.text('refused: the form has no valid CSRF token (reload the page and try again)', 403);
    }
    c.set('admin', s);
    return next();
  };
}
