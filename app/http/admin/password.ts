/**
 * @module http/admin/password
 * Admin passwords: scrypt with a random salt, stored as `scrypt$N$r$p$salt$hash` (base64url),
 * verified with a constant-time compare. Also the random tokens of sessions, CSRF and setup.
 */
import { randomBytes, scrypt, timingSafeEqual, createHash } from 'node:crypto';

export const SCRYPT = { N: 16384, r: 8, p: 1, keyLen: 32, saltLen: 16 } as const;
export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 256;

function derive(password: string, salt: Buffer, N: number, r: number, p: number, keyLen: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keyLen, { N, r, p, maxmem: 128 * N * r * 2 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SCRYPT.saltLen);
  const key = await derive(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLen);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** false for a wrong password and for a malformed stored hash (never throws on bad input) */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m || password.length > MAX_PASSWORD) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 2 || N > 1 << 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const want = Buffer.from(m[5]!, 'base64url');
  const got = await derive(password, Buffer.from(m[4]!, 'base64url'), N, r, p, want.length);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** why a new password is refused, or undefined */
export function passwordProblem(pw: string): string | undefined {
  if (pw.length < MIN_PASSWORD) return `password must be at least ${MIN_PASSWORD} characters`;
  if (pw.length > MAX_PASSWORD) return `password must be at most ${MAX_PASSWORD} characters`;
  return undefined;
}

export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');
export const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
