/**
 * @module core/signing/hmac
 * HMAC and constant-time comparison. node:crypto is used (not Web Crypto) because it is
 * synchronous — a VOD playlist signs thousands of URIs — and Bun and Deno both provide it.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export function hmacSha1Base64(secret: string, data: string): string {
  return createHmac('sha1', secret).update(data, 'utf8').digest('base64');
}

export function hmacSha256(key: string | Uint8Array, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

/** constant-time string equality; lengths are compared first (length is not secret here) */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    timingSafeEqual(x, x); // same work either way
    return false;
  }
  return timingSafeEqual(x, y);
}
