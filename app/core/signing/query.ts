/**
 * @module core/signing/query
 * A strict query-string parser for signed URLs: no '+'-to-space rewriting (signatures carry
 * '+'), malformed percent-encoding and repeated names are errors, not guesses.
 */

export type ParsedQuery = { ok: true; params: Map<string, string> } | { ok: false; reason: string };

export function parseQuery(raw: string): ParsedQuery {
  const params = new Map<string, string>();
  const s = raw.startsWith('?') ? raw.slice(1) : raw;
  if (s === '') return { ok: true, params };
  for (const part of s.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    let name: string, value: string;
    try {
      name = decodeURIComponent(rawName);
      value = decodeURIComponent(rawValue);
    } catch {
      return { ok: false, reason: 'malformed percent-encoding in query' };
    }
    if (params.has(name)) return { ok: false, reason: `query parameter '${name.slice(0, 40)}' repeated` };
    params.set(name, value);
  }
  return { ok: true, params };
}

/** whole seconds since the epoch, 1-10 digits, as OSS and S3 V2 require */
export function parseExpires(v: string | undefined): number | undefined {
  if (v === undefined || !/^[0-9]{1,10}$/.test(v)) return undefined;
  return Number(v);
}

/** Python 2 urllib.quote(s, safe='/'): what the seed's viewer and VOD scripts sign and print */
export function quotePath(s: string): string {
  return encodeURIComponent(s)
    .replace(/%2F/g, '/')
    .replace(/[!'()*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Python urllib.quote(s, safe=''): for query values (signature: '/' kept as the seed shows) */
export function quoteValue(s: string, safe = '/'): string {
  let out = encodeURIComponent(s).replace(/[!'()*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  for (const ch of safe) out = out.split(encodeURIComponent(ch)).join(ch);
  return out;
}
