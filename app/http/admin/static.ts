/**
 * @module http/admin/static
 * /static/*: htmx and hls.js from node_modules and the console's CSS/JS from views/, read on
 * first request and kept in memory. A fixed list: no path from the request touches the disk.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const FILES: Record<string, { file: string; type: string }> = {
  'htmx.min.js': { file: 'node_modules/htmx.org/dist/htmx.min.js', type: 'text/javascript; charset=utf-8' },
  'hls.min.js': { file: 'node_modules/hls.js/dist/hls.min.js', type: 'text/javascript; charset=utf-8' },
  'admin.css': { file: 'views/admin.css', type: 'text/css; charset=utf-8' },
  'admin.js': { file: 'views/admin.js', type: 'text/javascript; charset=utf-8' },
};

export function mountStatic(app: Hono): void {
  const cache = new Map<string, Promise<Buffer>>();
  app.get('/static/:name', async (c) => {
    const name = c.req.param('name');
    const f = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
    if (!f) return c.text('not found', 404);
    let body = cache.get(name);
    if (!body) {
      body = fs.readFile(path.join(ROOT, f.file));
      cache.set(name, body);
      body.catch(() => cache.delete(name));
    }
    try {
      const buf = await body;
      return c.body(new Uint8Array(buf), 200, { 'content-type': f.type, 'cache-control': 'public, max-age=3600' });
    } catch {
      return c.text(`${name} is missing on the server (${f.file}); run npm install`, 500);
    }
  });
}
