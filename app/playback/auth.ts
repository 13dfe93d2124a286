/**
 * @module playback/auth
 * Who may read an object: an S3 V2 (AWSAccessKeyId/Expires/Signature) or V4 (X-Amz-*) presigned
 * query, signed by an enabled access key allowed to play whose scope covers the bucket/channel.
 * Key rows are looked up through a short-lived memo (a viewer asks every few seconds).
 */
import type { Db } from '../../db/index.ts';
import type { AccessKey } from '../../db/schema.ts';
import { getKey, keyCovers, touchKey } from '../../db/repos/keys.ts';
import { verifyV2, verifyV4 } from '../core/signing/index.ts';

export type LinkAuth =
  | { ok: true; key: AccessKey; expires: number }
  | { ok: false; code: string; reason: string };

export interface KeyLookup {
  get(id: string): AccessKey | undefined;
}

/** key rows memoised for ttlMs (a disabled key stops working within that time); last-used written at most once a minute */
export function createKeyLookup(db: Db, ttlMs = 1000, now: () => number = Date.now): KeyLookup {
  const memo = new Map<string, { key: AccessKey | undefined; at: number }>();
  const touched = new Map<string, number>();
  return {
    get(id) {
      const t = now();
      let m = memo.get(id);
      if (!m || t - m.at > ttlMs) {
        if (memo.size > 10_000) memo.clear(); // unknown ids from the internet must not grow this forever
        m = { key: getKey(db, id), at: t };
        memo.set(id, m);
      }
      if (m.key && t - (touched.get(id) ?? 0) > 60_000) {
        touched.set(id, t);
        touchKey(db, id, t);
      }
      return m.key;
    },
  };
}

const CODES: Record<string, string> = {
  'expires-malformed': 'AccessDenied',
  expired: 'AccessDenied',
  'not-yet-valid': 'AccessDenied',
  malformed: 'AuthorizationQueryParametersError',
  'unknown-key': 'InvalidAccessKeyId',
  'signature-mismatch': 'SignatureDoesNotMatch',
};

export function authorizeLink(o: {
  params: Map<string, string>;
  bucket: string;
  channel: string;
  key: string;
  method: 'GET' | 'HEAD';
  header: (name: string) => string | undefined;
  nowSec: number;
  keys: KeyLookup;
}): LinkAuth {
  const usable = (id: string) => {
    const k = o.keys.get(id);
    return k && k.enabled && k.canPlay ? k : undefined;
  };
  const secretFor = (id: string) => usable(id)?.secret;
  const p = o.params;
  let ak: string;
  let expires: number;
  if (p.has('X-Amz-Algorithm') || p.has('X-Amz-Signature') || p.has('X-Amz-Credential')) {
    const r = verifyV4({ params: p, bucket: o.bucket, key: o.key, method: o.method, header: o.header, nowSec: o.nowSec, secretFor });
    if (!r.ok) return { ok: false, code: CODES[r.code] ?? 'AccessDenied', reason: r.reason };
    ak = r.accessKeyId;
    expires = r.expiresSec;
  } else if (p.has('Signature') || p.has('AWSAccessKeyId') || p.has('Expires')) {
    if (!p.get('AWSAccessKeyId') || !p.get('Signature')) return { ok: false, code: 'AccessDenied', reason: 'AWSAccessKeyId, Expires and Signature are all required' };
    const r = verifyV2({ params: p, bucket: o.bucket, key: o.key, method: o.method, nowSec: o.nowSec, secretFor });
    if (!r.ok) return { ok: false, code: CODES[r.code] ?? 'AccessDenied', reason: r.reason };
    ak = r.accessKeyId;
    expires = Number(p.get('Expires'));
  } else {
    return { ok: false, code: 'AccessDenied', reason: 'signed link required: AWSAccessKeyId/Expires/Signature or X-Amz-* query parameters' };
  }
  const key = usable(ak);
  if (!key) return { ok: false, code: 'InvalidAccessKeyId', reason: 'unknown or disabled access key' };
  // checked only after the signature, so a stranger learns nothing about scopes
  if (!keyCovers(key, o.bucket, o.channel)) return { ok: false, code: 'AccessDenied', reason: `access key does not cover ${o.bucket}/${o.channel}` };
  return { ok: true, key, expires };
}
