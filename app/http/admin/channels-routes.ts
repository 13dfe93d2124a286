/**
 * @module http/admin/channels-routes
 * Channel pages: list + create, one channel (status, URLs, timeline, settings), edit, enable,
 * disable (cuts a live encoder at once), delete. OSS rules via db/repos/channels (core/names);
 * overwrite and delete are refused while the channel is live.
 */
import { backlog } from '../../../db/repos/segments.ts';
import type { Context, Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import type { AdminEnv } from './session.ts';
import type { Channel } from '../../../db/schema.ts';
import { deleteChannel, getChannel, getChannelById, isLive, listChannels, updateChannel, upsertChannel, type ChannelInput } from '../../../db/repos/channels.ts';
import { getKey } from '../../../db/repos/keys.ts';
import { checkBucket, checkChannel } from '../../core/names.ts';
import { ChannelPage, ChannelsPage } from '../../../views/pages/channels.tsx';
import { ChannelUrlsView, UrlPicker } from '../../../views/fragments/channel-urls.tsx';
import { channelStatus, channelTimeline, isChannelLive, keysFor } from './live-data.ts';
import { channelUrls, parseExpiry } from './urls.ts';
import { formOf, fragment, intField, page } from './render.ts';
import { logger } from '../../log.ts';

const log = logger('admin');
type C = Context<AdminEnv>;

function settingsFrom(f: Record<string, string>): ChannelInput {
  return {
    description: f.description ?? undefined,
    playlistName: f.playlistName?.trim() || undefined,
    fragDuration: intField(f.fragDuration),
    fragCount: intField(f.fragCount),
  };
}

export function mountChannelRoutes(app: Hono<AdminEnv>, deps: AppDeps): void {
  const channelOf = (c: C): Channel | undefined => {
    const id = c.req.param('id') ?? '';
    return /^\d{1,12}$/.test(id) ? getChannelById(deps.db, Number(id)) : undefined;
  };
  const live = (ch: Channel) => isChannelLive(deps, ch) || isLive(deps.db, ch.id);
  const notFound = (c: C) => c.text('no such channel', 404);

  const listPage = (c: C, o: { error?: string; ok?: string; values?: Record<string, string> } = {}, status: 200 | 400 | 409 = 200) => {
    const a = c.get('admin');
    const rows = listChannels(deps.db).map((ch) => ({ ch, live: isChannelLive(deps, ch) }));
    return page(c, ChannelsPage({ user: a.username, csrf: a.csrf, rows, ...o }), status);
  };

  const urlsFor = (c: C, ch: Channel) => {
    const keys = keysFor(deps, ch);
    const key = (c.req.query('key') && getKey(deps.db, c.req.query('key')!)) || keys[0];
    const expiresIn = parseExpiry(c.req.query('expiresIn'));
    return { keys, key, expiresIn, urls: key ? channelUrls(deps.config, ch, key, expiresIn, Math.floor(Date.now() / 1000)) : undefined };
  };

  const channelPage = (c: C, ch: Channel, o: { error?: string; ok?: string; values?: Record<string, string> } = {}, status: 200 | 400 | 409 = 200) => {
    const a = c.get('admin');
    const u = urlsFor(c, ch);
    const base = `/admin/channels/${ch.id}`;
    return page(c, ChannelPage({
      user: a.username, csrf: a.csrf, ch, live: live(ch), ...o,
      status: channelStatus(deps, ch),
      urlPicker: UrlPicker({ channelId: ch.id, keys: u.keys, keyId: u.key?.id, expiresIn: u.expiresIn }),
      urls: ChannelUrlsView({ u: u.urls }),
      timeline: channelTimeline(deps, ch, c.req.query('span'), (s) => `${base}?span=${s}#timeline`),
    }), status);
  };

  app.get('/admin/channels', (c) => listPage(c, { ok: c.req.query('deleted') ? 'Channel deleted.' : undefined }));

  app.post('/admin/channels', async (c) => {
    const f = await formOf(c);
    const bucket = (f.bucket ?? '').trim();
    const name = (f.name ?? '').trim();
    const bad = [checkBucket(bucket), checkChannel(name)].find((x) => !x.ok);
    if (bad && !bad.ok) return listPage(c, { error: bad.reason, values: f }, 400);
    if (getChannel(deps.db, bucket, name)) return listPage(c, { error: `${bucket}/${name} already exists: edit it on its page`, values: f }, 409);
    let ch: Channel;
    try {
      ch = upsertChannel(deps.db, bucket, name, settingsFrom(f)).channel;
    } catch (e) {
      return listPage(c, { error: (e as Error).message, values: f }, 400);
    }
    try {
      await deps.storage.ensureBucket(bucket);
    } catch (e) {
      log.warn(`bucket ${bucket} could not be created or checked: ${(e as Error).message}`);
    }
    return c.redirect(`/admin/channels/${ch.id}?created=1`, 303);
  });

  app.get('/admin/channels/:id', (c) => {
    const ch = channelOf(c);
    return ch ? channelPage(c, ch, { ok: c.req.query('created') ? 'Channel created.' : c.req.query('saved') ? 'Saved.' : undefined }) : notFound(c);
  });

  app.get('/admin/channels/:id/status', (c) => {
    const ch = channelOf(c);
    return ch ? fragment(c, channelStatus(deps, ch)) : notFound(c);
  });

  app.get('/admin/channels/:id/urls', (c) => {
    const ch = channelOf(c);
    return ch ? fragment(c, ChannelUrlsView({ u: urlsFor(c, ch).urls })) : notFound(c);
  });

  app.post('/admin/channels/:id', async (c) => {
    const ch = channelOf(c);
    if (!ch) return notFound(c);
    const f = await formOf(c);
    if (live(ch)) return channelPage(c, ch, { error: 'the channel is live: its settings cannot be overwritten until the encoder stops', values: f }, 409);
    try {
      updateChannel(deps.db, ch.id, settingsFrom(f));
    } catch (e) {
      return channelPage(c, ch, { error: (e as Error).message, values: f }, 400);
    }
    return c.redirect(`/admin/channels/${ch.id}?saved=1`, 303);
  });

  for (const action of ['enable', 'disable'] as const) {
    app.post(`/admin/channels/:id/${action}`, (c) => {
      const ch = channelOf(c);
      if (!ch) return notFound(c);
      const updated = updateChannel(deps.db, ch.id, { status: action === 'enable' ? 'enabled' : 'disabled' });
      if (action === 'disable' && deps.recorder.cut(ch.bucket, ch.name, 'channel disabled by admin')) log.info(`${ch.bucket}/${ch.name}: disabled by admin, live encoder cut`);
      return channelPage(c, updated, { ok: action === 'enable' ? 'Channel enabled.' : 'Channel disabled: pushes are refused.' });
    });
  }

  app.post('/admin/channels/:id/delete', (c) => {
    const ch = channelOf(c);
    if (!ch) return notFound(c);
    if (live(ch)) return channelPage(c, ch, { error: 'the channel is live: stop the encoder (or disable the channel) before deleting it' }, 409);
    const waiting = backlog(deps.db, ch.id).count;
    if (waiting) return channelPage(c, ch, { error: `${waiting} segment(s) are still waiting for storage: delete the channel once they are uploaded` }, 409);
    deleteChannel(deps.db, ch.id);
    return c.redirect('/admin/channels?deleted=1', 303);
  });
}
