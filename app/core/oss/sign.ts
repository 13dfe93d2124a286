/**
 * @module core/oss/sign
 * OSS header and query signatures (signature version 1), as the OSS API reference and ali-oss's
 * signUtils define them. In: verb, Content-MD5, Content-Type, Date (or Expires), headers, the
 * /bucket/object resource and the query. Out: the string to sign and its base64 HMAC-SHA1.
 *   StringToSign = VERB + "\n" + Content-MD5 + "\n" + Content-Type + "\n" + Date + "\n"
 *                  + CanonicalizedOSSHeaders + CanonicalizedResource
 */
import { hmacSha1Base64 } from '../signing/hmac.ts';

/** query parameters OSS puts into CanonicalizedResource; every other parameter (prefix, marker, max-keys…) is not signed */
export const OSS_SUB_RESOURCES: ReadonlySet<string> = new Set([
  'acl', 'append', 'bucketInfo', 'callback', 'callback-var', 'cname', 'comp', 'continuation-token', 'cors', 'delete',
  'encryption', 'endTime', 'img', 'inventory', 'inventoryId', 'lifecycle', 'live', 'location', 'logging', 'objectMeta',
  'partNumber', 'policy', 'position', 'qos', 'referer', 'replication', 'replicationLocation', 'replicationProgress',
  'requestPayment', 'response-cache-control', 'response-content-disposition', 'response-content-encoding',
  'response-content-language', 'response-content-type', 'response-expires', 'restore', 'security-token', 'sequential',
  'startTime', 'status', 'style', 'styleName', 'symlink', 'tagging', 'uploadId', 'uploads', 'versionId',
  'versioning', 'versions', 'vod', 'website', 'worm', 'wormExtend', 'wormId', 'x-oss-ac-forward-allow',
  'x-oss-ac-source-ip', 'x-oss-ac-subnet-mask', 'x-oss-ac-vpc-id', 'x-oss-async-process', 'x-oss-process',
  'x-oss-request-payer', 'x-oss-traffic-limit',
]);

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** every x-oss-* header, lower-cased, value trimmed, sorted by name, each as "name:value\n" */
export function canonicalizedOssHeaders(headers: Iterable<[string, string]>): string {
  const picked = new Map<string, string>();
  for (const [k, v] of headers) {
    const name = k.toLowerCase();
    if (name.startsWith('x-oss-')) picked.set(name, String(v).trim());
  }
  return [...picked.keys()].sort(byCodeUnit).map((k) => `${k}:${picked.get(k)}\n`).join('');
}

/** "/bucket/object" plus the sub-resources of the query, sorted, "name" or "name=value" (values decoded), joined by '&' */
export function canonicalizedResource(resource: string, query: Iterable<[string, string]>): string {
  const subs = [...query].filter(([k]) => OSS_SUB_RESOURCES.has(k)).sort(([a], [b]) => byCodeUnit(a, b));
  if (subs.length === 0) return resource;
  return `${resource}?${subs.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join('&')}`;
}

export interface OssSignInput {
  method: string;
  contentMd5?: string;
  contentType?: string;
  /** the Date header (header form), or the Expires parameter (query form) */
  date: string;
  headers: Iterable<[string, string]>;
  /** "/bucket/object" (object not percent-encoded; "/bucket/" for bucket operations) */
  resource: string;
  query: Iterable<[string, string]>;
}

export function ossStringToSign(i: OssSignInput): string {
  return `${i.method.toUpperCase()}\n${i.contentMd5 ?? ''}\n${i.contentType ?? ''}\n${i.date}\n${canonicalizedOssHeaders(i.headers)}${canonicalizedResource(i.resource, i.query)}`;
}

export function ossSignature(secret: string, stringToSign: string): string {
  return hmacSha1Base64(secret, stringToSign);
}

/** "OSS <AccessKeyId>:<Signature>" -> its parts; undefined when the header has another scheme or shape */
export function parseOssAuthorization(header: string): { accessKeyId: string; signature: string } | undefined {
  const m = /^OSS ([^:\s]{1,128}):(\S{1,128})$/.exec(header.trim());
  return m ? { accessKeyId: m[1]!, signature: m[2]! } : undefined;
}
