/**
 * @module http/oss/auth
 * Who signed an OSS API request. In: the request's method, headers, query and bucket/object.
 * Out: the access key (from SQLite) or an OSS error (code, status, message). Header form
 * `Authorization: OSS <id>:<sig>` with Date or x-oss-date, and query form
 * OSSAccessKeyId/Expires/Signature; signatures compared in constant time.
 */
import type { Db } from '../../../db/index.ts';
import type { AccessKey } from '../../../db/schema.ts';
import { getKey, keyCovers, touchKey } from '../../../db/repos/keys.ts';
import { ossSignature, ossStringToSign, parseOssAuthorization } from '../../core/oss/sign.ts';
import { parseExpires, safeEqual } from '../../core/signing/index.ts';
import { clip } from '../../core/names.ts';

/** OSS refuses a request whose Date is further than this from its clock */
export const MAX_SKEW_MS = 15 * 60 * 1000;

export type OssAuthResult =
  | { ok: true; key: AccessKey }
  | { ok: false; status: 400 | 403; code: string; message: string; extra?: [string, string][]; log: string };

export interface OssAuthRequest {
  db: Db;
  method: string;
  header(name: string): string | undefined;
  headers: [string, string][];
  query: Map<string, string>;
  bucket: string;
  object: string;
  /** the channel the operation touches (scope check), undefined for bucket-level operations */
  channel?: string;
  write: boolean;
  nowMs: number;
}

const deny = (status: 400 | 403, code: string, message: string, log = message, extra?: [string, string][]): OssAuthResult => ({ ok: false, status, code, message, log, extra });

export function authenticateOss(r: OssAuthRequest): OssAuthResult {
  const resource = `/${r.bucket}/${r.object}`;
  const authz = r.header('authorization');
  let accessKeyId: string;
  let given: string;
  let dates: string[];
  if (authz !== undefined) {
    if (/^OSS4-HMAC-SHA256 /.test(authz)) return deny(400, 'InvalidArgument', 'OSS signature version 4 is not supported by this gateway: use the default (version 1) signing', 'v4 signature');
    const p = parseOssAuthorization(authz);
    if (!p) return deny(400, 'InvalidArgument', 'Authorization header is invalid: expected "OSS <AccessKeyId>:<Signature>"', 'malformed Authorization');
    ({ accessKeyId, signature: given } = p);
    const ossDate = r.header('x-oss-date');
    const date = r.header('date');
    const when = Date.parse(ossDate ?? date ?? '');
    if (!Number.isFinite(when)) return deny(403, 'AccessDenied', 'OSS authentication requires a valid Date (or x-oss-date) header.', 'no valid date');
    if (Math.abs(r.nowMs - when) > MAX_SKEW_MS)
      return deny(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', `clock skew ${Math.round((r.nowMs - when) / 1000)} s`);
    // ali-oss signs x-oss-date in the Date slot; a hand-made request may sign Date: either verifies
    dates = [...new Set([ossDate, date].filter((d): d is string => d !== undefined))];
  } else if (r.query.has('OSSAccessKeyId')) {
    accessKeyId = r.query.get('OSSAccessKeyId')!;
    given = r.query.get('Signature') ?? '';
    const exp = parseExpires(r.query.get('Expires'));
    if (exp === undefined) return deny(403, 'AccessDenied', 'Expires must be whole unix seconds.', 'bad Expires');
    if (Math.floor(r.nowMs / 1000) > exp) return deny(403, 'AccessDenied', 'Request has expired.', `expired ${Math.floor(r.nowMs / 1000) - exp} s ago`);
    if (!given) return deny(403, 'AccessDenied', 'Signature is missing.', 'no Signature');
    dates = [r.query.get('Expires')!];
  } else {
    return deny(403, 'AccessDenied', 'You have no right to access this object because of bucket acl.', 'anonymous request');
  }

  const key = getKey(r.db, accessKeyId);
  if (!key) return deny(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.', `unknown key ${clip(accessKeyId, 40)}`, [['OSSAccessKeyId', clip(accessKeyId, 128)]]);
  if (!key.enabled) return deny(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided is disabled.', `key ${key.id} disabled`, [['OSSAccessKeyId', key.id]]);

  const base = { method: r.method, contentMd5: r.header('content-md5'), contentType: r.header('content-type'), headers: r.headers, resource, query: r.query };
  const toSign = dates.map((date) => ossStringToSign({ ...base, date }));
  // every candidate is compared, so timing does not tell which one matched
  const matches = toSign.map((s) => safeEqual(given, ossSignature(key.secret, s)));
  if (!matches.some(Boolean)) {
    return deny(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', `signature mismatch for key ${key.id}`, [
      ['OSSAccessKeyId', key.id], ['SignatureProvided', clip(given, 128)], ['StringToSign', toSign[0]!],
    ]);
  }
  // writes need the push right; reads (stat shows encoder addresses) need push or play
  if ((r.write ? !key.canPush : !key.canPush && !key.canPlay) || !keyCovers(key, r.bucket, r.channel))
    return deny(403, 'AccessDenied', 'You have no right to access this resource.', `key ${key.id} out of scope for ${r.bucket}/${r.channel ?? ''}`);
  touchKey(r.db, key.id, r.nowMs);
  return { ok: true, key };
}
