/**
 * @module http
 * The HTTP surface as one Hono app built from its dependencies: health, status API, and (mounted
 * by their own modules) playback, VOD, admin and the OSS-compatible API. Web-standard
 * Request/Response only, so it can be served by Node, Bun or Deno.
 */
import { Hono } from 'hono';
import type { AppDeps } from './deps.ts';

/** path prefixes the gateway keeps for itself; a bucket can never be called this */
export const RESERVED_PREFIXES = ['admin', 'api', 'healthz', 'static', 'oss'];

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  for (const guard of deps.guards ?? []) guard(app, deps);
  app.get('/healthz', (c) => c.json({ ok: true, storage: deps.storage.describe, live: deps.recorder.live().length, uploads: deps.uploader.stats() }));
  app.get('/api/live', (c) =>
    c.json(
      deps.recorder.live().map((e) => ({
        bucket: e.bucket, channel: e.channel, sessionId: e.sessionId, remote: e.remote, startedAt: e.startedAt, segments: e.segments, info: e.info,
      })),
    ),
  );
  for (const mount of deps.mounts ?? []) mount(app, deps);
  return app;
}
