/**
 * @module core/signing/s3v4
 * Verification of S3 signature V4 presigned query URLs (X-Amz-Algorithm=AWS4-HMAC-SHA256), as the
 * AWS SDKs' presigners make them. Path-style only: the canonical URI is `/<bucket>/<key>` with each
 * segment URI-encoded once (S3 does not double-encode). The payload is UNSIGNED-PAYLOAD.
 */
import { hmacSha256, safeEqual, sha256Hex } from './hmac.ts';

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** S3 refuses presigned URLs valid for longer than 7 days */
const MAX_EXPIRES = 604800;
/** how far in the future X-Amz-Date may lie (clock skew), as S3 allows */
const MAX_SKEW_SEC = 900;

/** RFC 3986 unreserved characters stay; everything else is %XX of its UTF-8 bytes (upper-case hex) */
export function awsUriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export function v4CanonicalUri(bucket: string, key: string): string {
  return '/' + [bucket, ...key.split('/')].map(awsUriEncode).join('/');
}

/** every query parameter but the signature, names and values encoded, sorted by name then value */
export function v4CanonicalQuery(params: Map<string, string>): string {
  return [...params]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [awsUriEncode(k), awsUriEncode(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

export function v4SigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = hmacSha256('AWS4' + secret, date);
  return hmacSha256(hmacSha256(hmacSha256(kDate, region), service), 'aws4_request');
}

export type V4Check =
  | { ok: true; accessKeyId: string; expiresSec: number }
  | {
      ok: false;
      code: 'malformed' | 'expires-malformed' | 'expired' | 'not-yet-valid' | 'unknown-key' | 'signature-mismatch';
      reason: string;
    };

const fail = (code: Exclude<V4Check, { ok: true }>['code'], reason: string): V4Check => ({ ok: false, code, reason });

/** "20260801T120000Z" -> unix seconds, or undefined */
function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(t);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) return undefined;
  return t / 1000;
}

/**
 * Verify a V4 presigned GET/HEAD (params already percent-decoded) for the one decoded object path.
 * `header(name)` gives the request's value of a signed header (lower-case name), e.g. host.
 */
export function verifyV4(o: {
  params: Map<string, string>;
  bucket: string;
  key: string;
  method: 'GET' | 'HEAD';
  header: (name: string) => string | undefined;
  nowSec: number;
  secretFor: (accessKeyId: string) => string | undefined;
}): V4Check {
  const p = o.params;
  if (p.get('X-Amz-Algorithm') !== ALGORITHM) return fail('malformed', `X-Amz-Algorithm must be ${ALGORITHM}`);
  const cred = (p.get('X-Amz-Credential') ?? '').split('/');
  if (cred.length !== 5 || cred[4] !== 'aws4_request' || cred[3] !== 's3' || !/^\d{8}$/.test(cred[1]!) || !cred[0] || !cred[2])
    return fail('malformed', 'X-Amz-Credential must be <key>/<yyyymmdd>/<region>/s3/aws4_request');
  const [ak, scopeDate, region] = cred as [string, string, string];
  const amzDate = p.get('X-Amz-Date') ?? '';
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined || !amzDate.startsWith(scopeDate)) return fail('malformed', 'X-Amz-Date must be yyyymmddThhmmssZ of the credential date');
  const rawExp = p.get('X-Amz-Expires') ?? '';
  if (!/^\d{1,6}$/.test(rawExp) || Number(rawExp) < 1 || Number(rawExp) > MAX_EXPIRES)
    return fail('expires-malformed', `X-Amz-Expires must be whole seconds in 1..${MAX_EXPIRES}`);
  const expiresSec = signedAt + Number(rawExp);
  if (o.nowSec > expiresSec) return fail('expired', `link expired ${o.nowSec - expiresSec} s ago`);
  if (signedAt - o.nowSec > MAX_SKEW_SEC) return fail('not-yet-valid', 'X-Amz-Date lies in the future');
  const signedHeaders = (p.get('X-Amz-SignedHeaders') ?? '').split(';');
  if (!signedHeaders.includes('host') || signedHeaders.some((h) => !/^[a-z0-9-]+$/.test(h)))
    return fail('malformed', 'X-Amz-SignedHeaders must list host (lower-case names separated by ;)');
  const given = p.get('X-Amz-Signature') ?? '';
  if (!/^[0-9a-f]{64}$/.test(given)) return fail('malformed', 'X-Amz-Signature must be 64 hex digits');
  const secret = o.secretFor(ak);
  if (secret === undefined) return fail('unknown-key', 'unknown or disabled access key');

  const headerLines = [...signedHeaders].sort().map((h) => `${h}:${(o.header(h) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const payload = p.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD';
  const scope = `${scopeDate}/${region}/s3/aws4_request`;
  const canonical = (method: string) =>
    [method, v4CanonicalUri(o.bucket, o.key), v4CanonicalQuery(p), headerLines, [...signedHeaders].sort().join(';'), payload].join('\n');
  const key = v4SigningKey(secret, scopeDate, region, 's3');
  const sign = (method: string) => hmacSha256(key, `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical(method))}`).toString('hex');
  // a presigned GET also authorises HEAD (as S3 and RGW do for V2); evaluate both either way
  const okGet = safeEqual(given, sign('GET'));
  const okHead = o.method === 'HEAD' && safeEqual(given, sign('HEAD'));
  if (okGet || okHead) return { ok: true, accessKeyId: ak, expiresSec };
  return fail('signature-mismatch', 'signature does not match');
}
