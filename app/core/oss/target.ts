/**
 * @module core/oss/target
 * Which bucket and object an OSS-style request names. In: the Host header, the raw path and the
 * configured base hosts (OSS_BASE_HOST). Out: bucket + object (decoded) and the addressing style.
 *  - virtual host: "<bucket>.<base>" for a configured base; with no base configured, the first
 *    label of any DNS name with a dot (ali-oss sends "<bucket>.oss-cn-hangzhou.aliyuncs.com"
 *    when its endpoint is an IP address, "<bucket>.<endpoint host>" otherwise);
 *  - path style: "/<bucket>/<object>" when the host is an IP address, "localhost", a single
 *    label or a configured base itself (ali-oss with `sldEnable: true`, or a hand-made request).
 */
import { checkBucket, clip } from '../names.ts';

export type OssTarget =
  | { ok: true; bucket: string; object: string; style: 'vhost' | 'path' }
  | { ok: false; code: 'InvalidBucketName' | 'InvalidURI'; reason: string };

const IP = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\]|[0-9a-f:]*:[0-9a-f:.]*)$/i;

/** "Host" without its port, lower-cased */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const i = h.lastIndexOf(':');
  return i >= 0 && h.indexOf(':') === i ? h.slice(0, i) : h;
}

/** the bucket a virtual host names, or undefined for a path-style host */
export function bucketFromHost(host: string, baseHosts: readonly string[]): string | undefined {
  const h = hostName(host);
  if (h === '' || IP.test(h) || h === 'localhost' || !h.includes('.')) return undefined;
  const bases = baseHosts.map((b) => b.toLowerCase());
  if (bases.includes(h)) return undefined;
  for (const b of bases) if (h.endsWith(`.${b}`)) return h.slice(0, -(b.length + 1));
  if (bases.length > 0) return undefined; // another name of this gateway: path style
  return h.slice(0, h.indexOf('.'));
}

export function resolveOssTarget(o: { host: string; rawPath: string; baseHosts: readonly string[] }): OssTarget {
  let path: string;
  try {
    path = decodeURIComponent(o.rawPath);
  } catch {
    return { ok: false, code: 'InvalidURI', reason: 'malformed percent-encoding in path' };
  }
  if (!path.startsWith('/') || path.includes('\0')) return { ok: false, code: 'InvalidURI', reason: `invalid path '${clip(path)}'` };
  const vhost = bucketFromHost(o.host, o.baseHosts);
  let bucket: string;
  let object: string;
  if (vhost !== undefined) {
    bucket = vhost;
    object = path.slice(1);
  } else {
    const rest = path.slice(1);
    const i = rest.indexOf('/');
    bucket = i < 0 ? rest : rest.slice(0, i);
    object = i < 0 ? '' : rest.slice(i + 1);
  }
  const c = checkBucket(bucket);
  if (!c.ok) return { ok: false, code: 'InvalidBucketName', reason: c.reason };
  return { ok: true, bucket, object, style: vhost !== undefined ? 'vhost' : 'path' };
}
