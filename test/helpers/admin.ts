/**
 * Test helper: an admin session straight from the repos (no HTTP sign-in), as the cookie and
 * CSRF header a signed-in browser would send, for app.request() calls to /admin/* and /api/*.
 */
import type { Db } from '../../db/index.ts';
import { countAdmins, createAdmin, getAdminByName } from '../../db/repos/admin.ts';
import { hashPassword, randomToken, tokenHash } from '../../app/http/admin/password.ts';
import { insertAdminSession } from '../../db/repos/admin.ts';
import { SESSION_COOKIE, CSRF_HEADER } from '../../app/http/admin/session.ts';

export async function adminHeaders(db: Db): Promise<{ cookie: string; [CSRF_HEADER]: string; csrf: string }> {
  let user = getAdminByName(db, 'admin');
  // a gateway started with ADMIN_PASSWORD creates the account a moment after start
  for (let i = 0; !user && i < 20; i++) {
    await new Promise((r) => setTimeout(r, 50));
    user = getAdminByName(db, 'admin');
  }
  if (!user) {
    const hash = await hashPassword(randomToken());
    // the gateway may be creating it from ADMIN_PASSWORD right now
    user = getAdminByName(db, 'admin') ?? (countAdmins(db) === 0 ? createAdmin(db, 'admin', hash) : undefined);
  }
  if (!user) throw new Error('no admin user');
  const token = randomToken();
  const csrf = randomToken(24);
  insertAdminSession(db, { tokenHash: tokenHash(token), userId: user.id, csrf, ttlMs: 3600_000 });
  return { cookie: `${SESSION_COOKIE}=${token}`, [CSRF_HEADER]: csrf, csrf };
}
