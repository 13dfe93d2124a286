/**
 * @module http/admin/vod-routes
 * The VOD page and form: the same buildVod as POST /api/vod (stored under the channel), the
 * result link, and an hls.js preview through this gateway (same origin, signed with a key).
 */
import type { Context, Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import type { AdminEnv } from './session.ts';
import { getChannelById, listChannels } from '../../../db/repos/channels.ts';
import { getKey, keyCovers } from '../../../db/repos/keys.ts';
import { buildVod, vodDeps, MAX_EXPIRES_IN_SEC } from '../../vod/build.ts';
import { presignV2 } from '../../core/signing/index.ts';
import { VodPage, VodResult, type VodResultView } from '../../../views/pages/vod.tsx';
import { channelTimeline, keysFor } from './live-data.ts';
import { parseExpiry } from './urls.ts';
import { formOf, fragment, isHtmx, page } from './render.ts';

type C = Context<AdminEnv>;

export function mountVodRoutes(app: Hono<AdminEnv>, deps: AppDeps): void {
  const vd = () => vodDeps(deps.config, deps.db, deps.storage);

  const show = (c: C, v: Record<string, string>, result?: VodResultView, status: 200 | 400 | 404 | 409 | 502 = 200) => {
    const a = c.get('admin');
    const channels = listChannels(deps.db);
    const ch = (/^\d+$/.test(v.channel ?? '') && channels.find((x) => String(x.id) === v.channel)) || channels[0];
    if (ch) v = { ...v, channel: String(ch.id) };
    const timeline = ch && channelTimeline(deps, ch, v.span, (s) => `/admin/vod?channel=${ch.id}&span=${s}#timeline`);
    return page(c, VodPage({ user: a.username, csrf: a.csrf, channels, keys: keysFor(deps, ch || undefined), v, timeline, result }), status);
  };

  app.get('/admin/vod', (c) => show(c, c.req.query()));

  app.post('/admin/vod', async (c) => {
    const f = await formOf(c);
    const respond = (r: VodResultView, status: 200 | 400 | 404 | 409 | 502) => (isHtmx(c) ? fragment(c, VodResult({ r }), status === 200 ? 200 : status) : show(c, f, r, status));
    const ch = /^\d{1,12}$/.test(f.channel ?? '') ? getChannelById(deps.db, Number(f.channel)) : undefined;
    if (!ch) return respond({ error: 'choose a channel' }, 400);
    const name = f.name?.trim() || undefined;
    const expiresIn = Math.min(parseExpiry(f.expiresIn), MAX_EXPIRES_IN_SEC);
    const keyId = f.key?.trim() || undefined;
    const r = await buildVod(vd(), {
      bucket: ch.bucket, channel: ch.name, startSec: (f.start ?? '').trim(), endSec: (f.end ?? '').trim(), name, store: true,
      uris: f.mode === 'signed' ? { kind: 'signed', expiresInSec: expiresIn, keyId } : { kind: 'relative' },
    });
    if (!r.ok) return respond({ error: r.reason }, r.status);
    // the preview plays through this gateway on the page's own origin, signed like any play link
    const chosen = keyId ? getKey(deps.db, keyId) : undefined;
    const key = chosen ?? keysFor(deps, ch).find((k) => k.enabled && k.canPlay && keyCovers(k, ch.bucket, ch.name));
    const view: VodResultView = { bucket: ch.bucket, key: r.key, segments: r.segments, durationSec: r.durationMs / 1000, discontinuities: r.discontinuities, pending: r.pending };
    if (key && key.enabled && key.canPlay && keyCovers(key, ch.bucket, ch.name)) {
      const expires = Math.floor(Date.now() / 1000) + expiresIn;
      const sign = (base: string) => presignV2({ base, bucket: ch.bucket, key: r.key!, accessKeyId: key.id, secret: key.secret, expires });
      view.link = sign(deps.config.publicHttpBase);
      view.preview = sign('');
    } else view.previewProblem = 'No enabled access key may play this channel: create one to get a play link and a preview.';
    return respond(view, 200);
  });
}
