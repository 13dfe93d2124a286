/**
 * @module http/request
 * Small request helpers shared by playback, the VOD API and the OSS API (web-standard Request only).
 */
import type { Context } from 'hono';

/** the request target as the client sent it: node's server gives it raw (before URL normalisation removed dot segments); an in-process Request has only its URL */
export function rawTarget(c: Context): string {
  const raw = (c.env as { incoming?: { url?: unknown } } | undefined)?.incoming?.url;
  if (typeof raw === 'string' && raw.startsWith('/')) return raw;
  const u = new URL(c.req.url);
  return u.pathname + u.search;
}

/** the body, or undefined once it passes `max` bytes (a chunked body has no Content-Length to check first) */
export async function readBounded(req: Request, max: number): Promise<Uint8Array | undefined> {
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > max) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    parts.push(value);
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
