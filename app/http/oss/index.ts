/**
 * @module http/oss
 * The OSS LiveChannel REST API on the HTTP port (issue 7), for clients such as ali-oss.
 * In: any request whose query has `live` or `vod` (plain object GETs stay with playback).
 * Out: OSS XML answers. Bucket from a virtual host or the path (core/oss/target.ts), signature
 * checked against the access keys in SQLite (auth.ts), then one of the nine operations.
 */
import { rawTarget } from '../request.ts';
import type { Context, Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { RESERVED_PREFIXES } from '../app.ts';
import { parseQuery } from '../../core/signing/query.ts';
import { bucketFromHost, resolveOssTarget } from '../../core/oss/target.ts';
import { clip } from '../../core/names.ts';
import { logger, redact } from '../../log.ts';
import { authenticateOss } from './auth.ts';
import { newRequestId, ossError, type OssCtx } from './respond.ts';
import { pickOperation, runOperation } from './operations.ts';

const log = logger('oss-api');


/** cheap test before any parsing: is `live` or `vod` a parameter name of this query? */
export function isOssQuery(rawQuery: string): boolean {
  return rawQuery.split('&').some((p) => {
    const n = p.split('=')[0];
    return n === 'live' || n === 'vod';
  });
}

export function mountOssApi(app: Hono, deps: AppDeps): void {
  const handler = async (c: Context, next: () => Promise<void>) => {
    const target = rawTarget(c);
    const qi = target.indexOf('?');
    if (qi < 0 || !isOssQuery(target.slice(qi + 1))) return next();
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    // /admin, /api, … are other mounts' paths even with a ?live in their query
    const first = target.slice(1, qi).split('/')[0]!;
    if (RESERVED_PREFIXES.includes(first) && bucketFromHost(host, deps.config.ossBaseHosts) === undefined) return next();
    const ctx: OssCtx = { requestId: newRequestId(), hostId: host };
    const q = parseQuery(target.slice(qi + 1));
    if (!q.ok) return ossError(ctx, 400, 'InvalidArgument', q.reason);
    const t = resolveOssTarget({ host, rawPath: target.slice(0, qi), baseHosts: deps.config.ossBaseHosts });
    if (!t.ok) return ossError(ctx, 400, t.code, t.reason);
    const op = pickOperation(c.req.method, t.object, q.params);
    if (!op.ok) return ossError(ctx, op.status, op.code, op.reason);

    const headers: [string, string][] = [];
    c.req.raw.headers.forEach((v, k) => headers.push([k, v]));
    const auth = authenticateOss({
      db: deps.db, method: c.req.method, header: (n) => c.req.header(n), headers, query: q.params,
      bucket: t.bucket, object: t.object, channel: op.channel, write: op.write, nowMs: Date.now(),
    });
    if (!auth.ok) {
      log.debug(`refused ${c.req.method} ${redact(clip(target, 300))}: ${auth.log}`);
      return ossError(ctx, auth.status, auth.code, auth.message, auth.extra);
    }
    try {
      return await runOperation(deps, ctx, op, { key: auth.key, bucket: t.bucket, params: q.params, style: t.style, request: c.req.raw });
    } catch (e) {
      log.error(`${op.name} ${t.bucket}/${clip(t.object)} failed: ${(e as Error).message}`);
      return ossError(ctx, 500, 'InternalError', 'We encountered an internal error. Please try again.');
    }
  };
  app.on(['GET', 'PUT', 'POST', 'DELETE'], '/*', handler);
}
