/**
 * @module playback/respond
 * Building playback answers: CORS headers (on every answer), S3-style XML errors with a short
 * reason, and bodies with ETag/If-None-Match (304) and single byte ranges (206/416).
 */
import { etagMatches, resolveRangeHeader } from '../core/http-range.ts';

export type Cors = (origin: string | undefined) => Record<string, string>;

/** CORS_ORIGINS: '*' (default) or a comma list of exact origins, echoed back when listed */
export function makeCors(corsOrigins: string): Cors {
  const list = corsOrigins.split(',').map((s) => s.trim()).filter(Boolean);
  const any = list.length === 0 || list.includes('*');
  const common = {
    'Access-Control-Expose-Headers': 'Content-Length, Content-Range, ETag, Accept-Ranges, Content-Type',
  };
  return (origin): Record<string, string> => {
    if (any) return { 'Access-Control-Allow-Origin': '*', ...common };
    if (origin && list.includes(origin)) return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin', ...common };
    return { Vary: 'Origin' };
  };
}

export function preflight(cors: Record<string, string>): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...cors,
      'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
      'Access-Control-Allow-Headers': 'Range, If-None-Match, If-Modified-Since, Cache-Control',
      'Access-Control-Max-Age': '86400',
    },
  });
}

const xmlEscape = (s: string) => s.replace(/[<>&]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[ch]!);

/** S3-like error document: clients and people both get the code and the reason */
export function s3Error(status: number, code: string, message: string, cors: Record<string, string>, extra: Record<string, string> = {}): Response {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>\n`;
  return new Response(body, {
    status,
    headers: {
      ...cors,
      'Content-Type': 'application/xml',
      // a missing object may appear soon (a live segment being uploaded); refusals are per link
      'Cache-Control': status === 404 ? 'max-age=2' : 'no-store',
      ...extra,
    },
  });
}

export interface BodyAnswer {
  body: Uint8Array;
  etag: string;
  contentType: string;
  cacheControl: string;
}

/** 200, 206, 304 or 416 for a body held in memory */
export function sendBody(req: { range?: string; ifNoneMatch?: string; ifRange?: string }, a: BodyAnswer, cors: Record<string, string>): Response {
  const headers: Record<string, string> = {
    ...cors,
    'Content-Type': a.contentType,
    'Cache-Control': a.cacheControl,
    ETag: a.etag,
    'Accept-Ranges': 'bytes',
  };
  if (etagMatches(req.ifNoneMatch, a.etag)) {
    delete headers['Content-Type'];
    return new Response(null, { status: 304, headers });
  }
  const size = a.body.byteLength;
  // If-Range with another validator: the client's partial copy is stale, send it all
  const useRange = req.range !== undefined && (req.ifRange === undefined || req.ifRange.trim() === a.etag);
  const r = resolveRangeHeader(useRange ? req.range : undefined, size);
  if (r.kind === 'unsatisfiable') {
    return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': '0' } });
  }
  if (r.kind === 'partial') {
    const part = a.body.subarray(r.start, r.end + 1);
    return new Response(part as Uint8Array<ArrayBuffer>, {
      status: 206,
      headers: { ...headers, 'Content-Range': `bytes ${r.start}-${r.end}/${size}`, 'Content-Length': String(part.byteLength) },
    });
  }
  return new Response(a.body as Uint8Array<ArrayBuffer>, { status: 200, headers: { ...headers, 'Content-Length': String(size) } });
}
