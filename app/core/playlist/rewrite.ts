/**
 * @module core/playlist/rewrite
 * Rewrites a stored playlist for one viewer's signed link: every relative URI (segment lines and
 * URI="…" attributes) becomes an absolute-path S3 V2 link `/<bucket>/<channel>/<name>?AWSAccessKeyId=
 * …&Expires=…&Signature=…` signed with the same key pair and Expires as the playlist link, so a
 * private bucket plays with one link. Absolute URIs and URIs with a query are left as they are.
 */
import { presignV2 } from '../signing/s3v2.ts';

export interface RewriteSigner {
  bucket: string;
  /** the playlist's directory inside the bucket: relative names resolve to `<dir>/<name>` */
  dir: string;
  accessKeyId: string;
  secret: string;
  expires: number;
}

/** a plain file name in the playlist's own directory: what the gateway writes and serves */
const RELATIVE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function signRelativeUri(uri: string, s: RewriteSigner): string {
  if (!RELATIVE_NAME.test(uri)) return uri;
  return presignV2({ base: '', bucket: s.bucket, key: `${s.dir}/${uri}`, accessKeyId: s.accessKeyId, secret: s.secret, expires: s.expires });
}

export function rewritePlaylist(text: string, s: RewriteSigner): string {
  return text
    .split('\n')
    .map((line) => {
      const cr = line.endsWith('\r') ? '\r' : '';
      const l = cr ? line.slice(0, -1) : line;
      const t = l.trim();
      if (t === '') return line;
      if (t.startsWith('#')) {
        // EXT-X-KEY, EXT-X-MAP, EXT-X-MEDIA … carry URIs in a quoted attribute
        return t.startsWith('#EXT') ? l.replace(/URI="([^"]*)"/g, (_m, u: string) => `URI="${signRelativeUri(u, s)}"`) + cr : line;
      }
      return signRelativeUri(t, s) + cr;
    })
    .join('\n');
}

/** what a playlist's text says about how long it may be cached */
export function playlistKind(text: string): 'live' | 'ended' | 'vod' {
  if (!/^#EXT-X-ENDLIST\s*$/m.test(text)) return 'live';
  return /^#EXT-X-PLAYLIST-TYPE:VOD\s*$/m.test(text) ? 'vod' : 'ended';
}
