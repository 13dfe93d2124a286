/**
 * @module vod/api
 * JSON API: POST /api/vod {bucket, channel, start, end, name?, store?, signed?: {base?, expiresIn, keyId?}}
 * -> 200 {playlist, key?, segments, duration, discontinuities, pending} or 4xx {error, reason}.
 * No authentication here: the admin layer puts its middleware in front (app.use('/api/*', …)
 * before the mounts run, or mounts vodApiHandler behind its own guard).
 */
import type { Context, Hono } from 'hono';
import type { Db } from '../../db/index.ts';
import type { Config } from '../config/config.ts';
import type { Storage } from '../storage/types.ts';
import { readBounded } from '../http/request.ts';
import { buildVod, vodDeps, type VodDeps, type VodUriChoice } from './build.ts';

const MAX_BODY = 16 * 1024;

type Parsed = { ok: true; req: Parameters<typeof buildVod>[1] } | { ok: false; reason: string };

/** shape checks only; values are checked by buildVod with the same rules as the CLI */
export function parseVodBody(b: unknown): Parsed {
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return { ok: false, reason: 'body must be a JSON object' };
  const o = b as Record<string, unknown>;
  for (const f of ['bucket', 'channel'] as const) if (typeof o[f] !== 'string') return { ok: false, reason: `${f} must be a string` };
  for (const f of ['start', 'end'] as const)
    if (typeof o[f] !== 'number' && typeof o[f] !== 'string') return { ok: false, reason: `${f} must be unix seconds` };
  if (o.name !== undefined && typeof o.name !== 'string') return { ok: false, reason: 'name must be a string' };
  if (o.store !== undefined && typeof o.store !== 'boolean') return { ok: false, reason: 'store must be true or false' };
  let uris: VodUriChoice = { kind: 'relative' };
  if (o.signed !== undefined && o.signed !== null && o.signed !== false) {
    const s = o.signed as Record<string, unknown>;
    if (typeof s !== 'object' || Array.isArray(s)) return { ok: false, reason: 'signed must be an object {base?, expiresIn, keyId?}' };
    if (s.base !== undefined && typeof s.base !== 'string') return { ok: false, reason: 'signed.base must be a URL string' };
    if (typeof s.expiresIn !== 'number') return { ok: false, reason: 'signed.expiresIn must be a number of seconds' };
    if (s.keyId !== undefined && typeof s.keyId !== 'string') return { ok: false, reason: 'signed.keyId must be a string' };
    uris = { kind: 'signed', base: s.base as string | undefined, expiresInSec: s.expiresIn, keyId: s.keyId as string | undefined };
  }
  return {
    ok: true,
    req: {
      bucket: o.bucket as string, channel: o.channel as string, startSec: o.start as number, endSec: o.end as number,
      name: o.name as string | undefined,
      // naming a playlist means storing it unless said otherwise
      store: (o.store as boolean | undefined) ?? o.name !== undefined,
      uris,
    },
  };
}


export function vodApiHandler(deps: VodDeps) {
  return async (c: Context): Promise<Response> => {
    const tooLarge = () => c.json({ error: 'too-large', reason: `body over ${MAX_BODY} bytes` }, 413);
    if (Number(c.req.header('content-length') ?? 0) > MAX_BODY) return tooLarge();
    // a chunked body has no Content-Length: count while reading, stop at the bound
    const bytes = await readBounded(c.req.raw, MAX_BODY);
    if (bytes === undefined) return tooLarge();
    const text = new TextDecoder().decode(bytes);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return c.json({ error: 'bad-json', reason: 'body must be JSON (Content-Type: application/json)' }, 400);
    }
    const p = parseVodBody(body);
    if (!p.ok) return c.json({ error: 'bad-request', reason: p.reason }, 400);
    const r = await buildVod(deps, p.req);
    if (!r.ok) return c.json({ error: r.code, reason: r.reason }, r.status);
    return c.json({
      playlist: r.playlist, ...(r.key ? { key: r.key } : {}), segments: r.segments, duration: r.durationMs / 1000,
      discontinuities: r.discontinuities, pending: r.pending, start: r.startSec, end: r.endSec,
    });
  };
}

/** takes the part of AppDeps it needs (so the read side does not depend on the write side's types) */
export function mountVodApi(app: Hono, deps: { config: Pick<Config, 's3' | 'publicHttpBase' | 'vodMaxRangeSec'>; db: Db; storage: Storage }): void {
  app.post('/api/vod', vodApiHandler(vodDeps(deps.config, deps.db, deps.storage)));
}
