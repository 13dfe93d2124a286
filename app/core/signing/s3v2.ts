/**
 * @module core/signing/s3v2
 * S3 signature V2 query auth for GET links (the seed's "live viewing address"):
 *   Signature = base64(HMAC-SHA1(secret, "GET\n\n\n" + Expires + "\n" + quote("/" + bucket + "/" + key)))
 * The same link opens on Ceph RGW / AWS directly and on this gateway.
 */
import { hmacSha1Base64, safeEqual } from './hmac.ts';
import { parseExpires, quotePath, quoteValue } from './query.ts';

export function v2StringToSign(method: string, expires: number | string, bucket: string, key: string): string {
  return `${method}\n\n\n${expires}\n${quotePath(`/${bucket}/${key}`)}`;
}

export function signV2(secret: string, expires: number | string, bucket: string, key: string, method = 'GET'): string {
  return hmacSha1Base64(secret, v2StringToSign(method, expires, bucket, key));
}

/** `<base>/<bucket>/<key>?AWSAccessKeyId=..&Expires=..&Signature=..` exactly as the seed's script prints it */
export function presignV2(o: { base: string; bucket: string; key: string; accessKeyId: string; secret: string; expires: number }): string {
  const sig = signV2(o.secret, o.expires, o.bucket, o.key);
  const base = o.base.replace(/\/+$/, '');
  return `${base}${quotePath(`/${o.bucket}/${o.key}`)}?AWSAccessKeyId=${quoteValue(o.accessKeyId)}&Expires=${o.expires}&Signature=${quoteValue(sig)}`;
}

export type V2Check =
  | { ok: true; accessKeyId: string }
  | { ok: false; code: 'expires-malformed' | 'expired' | 'signature-mismatch' | 'unknown-key'; reason: string };

/** verify V2 query params (already percent-decoded) for the one decoded object path */
export function verifyV2(o: {
  params: Map<string, string>;
  bucket: string;
  key: string;
  method: 'GET' | 'HEAD';
  nowSec: number;
  secretFor: (accessKeyId: string) => string | undefined;
}): V2Check {
  const ak = o.params.get('AWSAccessKeyId') ?? '';
  const exp = parseExpires(o.params.get('Expires'));
  if (exp === undefined) return { ok: false, code: 'expires-malformed', reason: 'Expires must be whole unix seconds' };
  if (o.nowSec > exp) return { ok: false, code: 'expired', reason: `link expired ${o.nowSec - exp} s ago` };
  const secret = o.secretFor(ak);
  if (secret === undefined) return { ok: false, code: 'unknown-key', reason: 'unknown or disabled access key' };
  const given = (o.params.get('Signature') ?? '').replace(/ /g, '+');
  // a GET link also authorises HEAD (RGW does the same)
  const okGet = safeEqual(given, signV2(secret, exp, o.bucket, o.key, 'GET'));
  const okHead = o.method === 'HEAD' && safeEqual(given, signV2(secret, exp, o.bucket, o.key, 'HEAD'));
  if (okGet || okHead) return { ok: true, accessKeyId: ak };
  return { ok: false, code: 'signature-mismatch', reason: 'signature does not match' };
}
