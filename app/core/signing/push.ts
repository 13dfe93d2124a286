/**
 * @module core/signing/push
 * RTMP push URL signatures (DESIGN.md "Push URL and its signature"):
 *   base64(HMAC-SHA1(secret, Expires + "\n" + CanonicalParams + "/" + Bucket + "/" + Channel))
 * CanonicalParams: every other query parameter, sorted by name, as "name:value\n".
 */
import { hmacSha1Base64, safeEqual } from './hmac.ts';
import { parseExpires, quoteValue } from './query.ts';

/** parameters that are part of the credential itself and so never in CanonicalParams */
const EXCLUDED = new Set(['AccessKeyId', 'OSSAccessKeyId', 'Expires', 'Signature', 'Bucket', 'SecurityToken']);

export function canonicalParams(params: Iterable<[string, string]>): string {
  return [...params]
    .filter(([k]) => !EXCLUDED.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}:${v}\n`)
    .join('');
}

export function pushStringToSign(expires: string, bucket: string, channel: string, extra: Iterable<[string, string]> = []): string {
  return `${expires}\n${canonicalParams(extra)}/${bucket}/${channel}`;
}

export function signPush(secret: string, expires: string, bucket: string, channel: string, extra: Iterable<[string, string]> = []): string {
  return hmacSha1Base64(secret, pushStringToSign(expires, bucket, channel, extra));
}

export type PushForm = 'seed' | 'oss';

/**
 * The RTMP URL an encoder is given. seed: /hls/<ch>?Bucket&AccessKeyId&Expires&Signature;
 * oss: /live/<ch>?OSSAccessKeyId&Expires&Signature[&playlistName] with the bucket as a virtual
 * host (vhost) or, by default, as an unsigned Bucket parameter so it works on any address.
 */
export function buildPushUrl(o: {
  rtmpBase: string; // rtmp://host:1935
  form: PushForm;
  bucket: string;
  channel: string;
  accessKeyId: string;
  secret: string;
  expires: number;
  playlistName?: string;
  vhost?: boolean;
}): string {
  const exp = String(o.expires);
  const base = o.rtmpBase.replace(/\/+$/, '');
  if (o.form === 'seed') {
    const sig = signPush(o.secret, exp, o.bucket, o.channel);
    return `${base}/hls/${o.channel}?Bucket=${quoteValue(o.bucket, '')}&AccessKeyId=${quoteValue(o.accessKeyId, '')}&Expires=${exp}&Signature=${quoteValue(sig, '')}`;
  }
  const extra: [string, string][] = o.playlistName ? [['playlistName', o.playlistName]] : [];
  const sig = signPush(o.secret, exp, o.bucket, o.channel, extra);
  const pl = o.playlistName ? `&playlistName=${quoteValue(o.playlistName, '')}` : '';
  const host = o.vhost ? base.replace(/^rtmp:\/\//, `rtmp://${o.bucket}.`) : base;
  const b = o.vhost ? '' : `&Bucket=${quoteValue(o.bucket, '')}`;
  return `${host}/live/${o.channel}?OSSAccessKeyId=${quoteValue(o.accessKeyId, '')}&Expires=${exp}&Signature=${quoteValue(sig, '')}${pl}${b}`;
}

export type PushCheck =
  | { ok: true }
  | { ok: false; code: 'expires-malformed' | 'expired' | 'signature-missing' | 'signature-mismatch'; reason: string };

/**
 * Verify a push signature. Accepts the seed's variant with every '/' replaced by 'z', and a
 * '+' that a URL decoder on the way turned into a space. Compares in constant time.
 */
export function verifyPush(o: {
  secret: string;
  bucket: string;
  channel: string;
  expires: string | undefined;
  signature: string | undefined;
  extra: Iterable<[string, string]>;
  nowSec: number;
}): PushCheck {
  const exp = parseExpires(o.expires);
  if (exp === undefined) return { ok: false, code: 'expires-malformed', reason: 'Expires must be whole unix seconds' };
  if (o.nowSec > exp) return { ok: false, code: 'expired', reason: `push URL expired ${o.nowSec - exp} s ago: ask for a new one` };
  if (!o.signature) return { ok: false, code: 'signature-missing', reason: 'Signature missing' };
  const given = o.signature.replace(/ /g, '+');
  const want = signPush(o.secret, o.expires!, o.bucket, o.channel, o.extra);
  // evaluate both comparisons so timing does not tell which variant was tried
  const plain = safeEqual(given, want);
  const zform = safeEqual(given, want.replace(/\//g, 'z'));
  if (plain || zform) return { ok: true };
  return { ok: false, code: 'signature-mismatch', reason: 'signature does not match' };
}
