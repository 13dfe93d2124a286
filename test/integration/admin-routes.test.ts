/**
 * Admin console routes through app.request() (no sockets, real SQLite and local-disk storage):
 * the session guard on /api/* and /admin/*, sign-in (cookie flags, rate limit), CSRF, the
 * one-time setup link, channel and key forms with their refusals, escaping.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTestGateway, uniqueBucket, type TestGateway } from '../helpers/gateway.ts';
import { adminHeaders } from '../helpers/admin.ts';
import { getChannel } from '../../db/repos/channels.ts';
import { getKey, listKeys } from '../../db/repos/keys.ts';
import { openSession, closeSession } from '../../db/repos/sessions.ts';
import { adminSessions } from '../../db/schema.ts';
import { setLogLevel } from '../../app/log.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PASSWORD = 'route-test-password';
const form = (o: Record<string, string>) => ({ 'content-type': 'application/x-www-form-urlencoded', body: new URLSearchParams(o).toString() });

type Req = (p: string, o?: { method?: string; headers?: Record<string, string>; body?: string }) => Response | Promise<Response>;

/** sign in through the form, as a browser does; returns the session cookie and CSRF token */
async function signIn(req: Req, password = PASSWORD, headers: Record<string, string> = {}) {
  const lp = await req('/admin/login', { headers });
  const pre = lp.headers.get('set-cookie')!.split(';')[0]!;
  const preTok = /name="_csrf" value="([^"]+)"/.exec(await lp.text())![1]!;
  const { body, ...h } = form({ _csrf: preTok, username: 'admin', password });
  const r = await req('/admin/login', { method: 'POST', headers: { ...h, ...headers, cookie: pre }, body });
  return { r, pre, preTok };
}

describe('admin routes (app.request)', () => {
  let gw: TestGateway;
  let req: Req;
  let auth: { cookie: string; csrf: string };
  const bucket = uniqueBucket('adm');
  before(async () => {
    gw = await startTestGateway({ ADMIN_PASSWORD: PASSWORD });
    req = (p, o = {}) => gw.app.request(p, { method: o.method ?? 'GET', headers: o.headers, body: o.body });
    const h = await adminHeaders(gw.db);
    auth = { cookie: h.cookie, csrf: h.csrf };
  });
  after(() => gw?.stop(2000));

  const post = (p: string, o: Record<string, string>, withCsrf = true) => {
    const { body, ...h } = form(withCsrf ? { _csrf: auth.csrf, ...o } : o);
    return req(p, { method: 'POST', headers: { ...h, cookie: auth.cookie }, body });
  };

  it('guards /api/* with JSON 401 and /admin/* with a redirect to sign-in', async () => {
    for (const p of ['/api/live', '/api', '/api/anything']) {
      const r = await req(p);
      assert.equal(r.status, 401, p);
      assert.deepEqual(await r.json(), { error: 'unauthorized', reason: 'sign in to the admin console first (no valid session cookie)' });
    }
    const vod = await req('/api/vod', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(vod.status, 401);
    for (const p of ['/admin', '/admin/keys', '/admin/channels/1', '/admin/vod']) {
      const r = await req(p);
      assert.equal(r.status, 303, p);
      assert.equal(r.headers.get('location'), `/admin/login?next=${encodeURIComponent(p)}`);
    }
    const hx = await req('/admin/fragments/live', { headers: { 'hx-request': 'true' } });
    assert.equal(hx.status, 401);
    assert.equal(hx.headers.get('hx-redirect'), '/admin/login');
    const forged = await req('/admin/keys', { method: 'POST', headers: { cookie: 'lcg_admin=forged-token' } });
    assert.equal(forged.status, 303);
    assert.equal(listKeys(gw.db).length, 0);
  });

  it('serves htmx and hls.js from node_modules under /static/, nothing else', async () => {
    for (const [p, f] of [['/static/htmx.min.js', 'node_modules/htmx.org/dist/htmx.min.js'], ['/static/hls.min.js', 'node_modules/hls.js/dist/hls.min.js']]) {
      const r = await req(p!);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type')!, /^text\/javascript/);
      assert.deepEqual(Buffer.from(await r.arrayBuffer()), fs.readFileSync(path.join(ROOT, f!)));
    }
    assert.equal((await req('/static/admin.css')).status, 200);
    for (const p of ['/static/package.json', '/static/..%2Fpackage.json', '/static/constructor']) assert.equal((await req(p)).status, 404, p);
  });

  it('signs in with ADMIN_PASSWORD: HttpOnly SameSite cookie, Secure behind https, token stored hashed; signs out', async () => {
    const { r } = await signIn(req);
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/admin');
    const cookie = r.headers.get('set-cookie')!;
    assert.match(cookie, /^lcg_admin=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Lax$/);
    const token = cookie.split(';')[0]!.split('=')[1]!;
    const rows = gw.db.select().from(adminSessions).all();
    assert.ok(rows.every((s) => s.tokenHash !== token && /^[0-9a-f]{64}$/.test(s.tokenHash)));
    const page = await req('/admin', { headers: { cookie: `lcg_admin=${token}` } });
    assert.equal(page.status, 200);
    const html = await page.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    assert.ok(html.includes(`hx-headers:inherited="{&quot;X-CSRF-Token&quot;:&quot;${csrf}&quot;}"`));
    const https = await signIn(req, PASSWORD, { 'x-forwarded-proto': 'https' });
    assert.match(https.r.headers.get('set-cookie')!, /; Secure; SameSite=Lax$/);
    const out = await req('/admin/logout', { method: 'POST', headers: { cookie: `lcg_admin=${token}`, ...form({ _csrf: csrf }) }, body: form({ _csrf: csrf }).body });
    assert.equal(out.status, 303);
    assert.equal((await req('/admin', { headers: { cookie: `lcg_admin=${token}` } })).status, 303, 'the session is gone');
  });

  it('refuses a sign-in form without its CSRF token, and rate-limits failures per user', async () => {
    const lp = await req('/admin/login');
    const pre = lp.headers.get('set-cookie')!.split(';')[0]!;
    const { body, ...h } = form({ username: 'admin', password: PASSWORD });
    assert.equal((await req('/admin/login', { method: 'POST', headers: { ...h, cookie: pre }, body })).status, 403);
    for (let i = 0; i < 8; i++) assert.equal((await signIn(req, 'wrong-password!')).r.status, 400);
    const locked = (await signIn(req)).r;
    assert.equal(locked.status, 429, 'even the right password waits');
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    assert.match(await locked.text(), /Too many failed sign-ins/);
  });

  it('checks the CSRF token on every POST (form field or X-CSRF-Token header)', async () => {
    assert.equal((await post('/admin/keys', { description: 'x' }, false)).status, 403);
    assert.equal((await post('/admin/keys', { description: 'x', _csrf: 'nope' }, false)).status, 403);
    const api = await req('/api/vod', { method: 'POST', headers: { cookie: auth.cookie, 'content-type': 'application/json' }, body: '{}' });
    assert.deepEqual([api.status, ((await api.json()) as { error: string }).error], [403, 'csrf']);
    assert.equal(listKeys(gw.db).length, 0);
    const viaHeader = await req('/admin/keys', { method: 'POST', headers: { cookie: auth.cookie, 'X-CSRF-Token': auth.csrf, ...form({ description: 'hdr' }) }, body: form({ description: 'hdr' }).body });
    assert.equal(viaHeader.status, 200);
    const apiOk = await req('/api/live', { headers: { cookie: auth.cookie } });
    assert.deepEqual([apiOk.status, await apiOk.json()], [200, []]);
  });

  it('creates keys (secret shown once, no-store), disables, enables and deletes them', async () => {
    const r = await post('/admin/keys', { description: 'cam <b>', scope: `${bucket}/cam1`, canPlay: '1' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const html = await r.text();
    const id = /id="new-key-id">([A-Z2-7]{20})</.exec(html)![1]!;
    const k = getKey(gw.db, id)!;
    assert.ok(html.includes(`id="new-key-secret">${k.secret}<`));
    assert.ok(html.includes('cam &lt;b&gt;'));
    assert.deepEqual([k.scope, k.canPush, k.canPlay], [`${bucket}/cam1`, false, true]);
    assert.ok(!(await (await req('/admin/keys', { headers: { cookie: auth.cookie } })).text()).includes(k.secret));
    assert.match(await (await post('/admin/keys', { scope: 'a/b/c' })).text(), /too many &#39;\/&#39;|too many '\/'/);
    assert.equal((await post(`/admin/keys/${id}`, { scope: `${bucket}, other-bucket/cam2`, canPush: '1', description: 'edited' })).status, 303);
    assert.deepEqual(
      (({ scope, canPush, canPlay, description, secret }) => ({ scope, canPush, canPlay, description, secret }))(getKey(gw.db, id)!),
      { scope: `${bucket}, other-bucket/cam2`, canPush: true, canPlay: false, description: 'edited', secret: k.secret },
    );
    assert.equal((await post(`/admin/keys/${id}`, { scope: 'Bad Bucket' })).status, 400);
    assert.equal(getKey(gw.db, id)!.scope, `${bucket}, other-bucket/cam2`);
    assert.equal((await post(`/admin/keys/${id}/disable`, {})).status, 303);
    assert.equal(getKey(gw.db, id)!.enabled, false);
    assert.equal((await post(`/admin/keys/${id}/enable`, {})).status, 303);
    assert.equal(getKey(gw.db, id)!.enabled, true);
    assert.equal((await post(`/admin/keys/${id}/delete`, {})).status, 303);
    assert.equal(getKey(gw.db, id), undefined);
    assert.equal((await post('/admin/keys/NOPE/delete', {})).status, 404);
  });

  it('creates channels with the OSS rules and shows descriptions escaped', async () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ bucket: 'Bad_Bucket', name: 'c' }, /invalid bucket name/],
      [{ bucket, name: 'bad name' }, /invalid channel name/],
      [{ bucket, name: 'c', fragDuration: '0' }, /FragDuration must be an integer in 1..100, got 0/],
      [{ bucket, name: 'c', fragCount: '101' }, /FragCount must be an integer in 1..100, got 101/],
      [{ bucket, name: 'c', fragDuration: '2.5' }, /FragDuration must be an integer/],
      [{ bucket, name: 'c', playlistName: '.m3u8' }, /6-128 chars ending in .m3u8/],
      [{ bucket, name: 'c', playlistName: 'dir/abc.m3u8' }, /no &#39;\/&#39;|no '\/'/],
      [{ bucket, name: 'c', playlistName: 'list.m3u' }, /ending in .m3u8/],
    ];
    for (const [f, re] of bad) {
      const r = await post('/admin/channels', f);
      assert.equal(r.status, 400, JSON.stringify(f));
      assert.match(await r.text(), re);
    }
    assert.equal(getChannel(gw.db, bucket, 'c'), undefined);
    const r = await post('/admin/channels', { bucket, name: 'cam1', fragDuration: '3', fragCount: '5', playlistName: 'index.m3u8', description: '<script>alert(1)</script>' });
    assert.equal(r.status, 303);
    const ch = getChannel(gw.db, bucket, 'cam1')!;
    assert.deepEqual([ch.fragDuration, ch.fragCount, ch.playlistName], [3, 5, 'index.m3u8']);
    assert.equal(r.headers.get('location'), `/admin/channels/${ch.id}?created=1`);
    assert.equal((await post('/admin/channels', { bucket, name: 'cam1' })).status, 409);
    for (const p of ['/admin/channels', `/admin/channels/${ch.id}`]) {
      const html = await (await req(p, { headers: { cookie: auth.cookie } })).text();
      assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), p);
      assert.ok(!html.includes('<script>alert(1)'), p);
    }
    assert.equal((await req('/admin/channels/999999', { headers: { cookie: auth.cookie } })).status, 404);
    assert.equal((await req('/admin/channels/abc', { headers: { cookie: auth.cookie } })).status, 404);
  });

  it('refuses overwrite and delete while live; disables and enables; deletes when idle', async () => {
    const ch = getChannel(gw.db, bucket, 'cam1')!;
    const s = openSession(gw.db, { channelId: ch.id, remoteAddr: '127.0.0.1:5000', playlistName: ch.playlistName, targetDuration: 3 });
    const ow = await post(`/admin/channels/${ch.id}`, { fragDuration: '7' });
    assert.equal(ow.status, 409);
    assert.match(await ow.text(), /the channel is live/);
    assert.equal(getChannel(gw.db, bucket, 'cam1')!.fragDuration, 3);
    assert.equal((await post(`/admin/channels/${ch.id}/delete`, {})).status, 409);
    closeSession(gw.db, s.id, 'test');
    assert.equal((await post(`/admin/channels/${ch.id}`, { fragDuration: '7', fragCount: '5', playlistName: 'index.m3u8', description: 'd' })).status, 303);
    assert.equal(getChannel(gw.db, bucket, 'cam1')!.fragDuration, 7);
    assert.equal((await post(`/admin/channels/${ch.id}`, { fragCount: '0' })).status, 400);
    assert.equal((await post(`/admin/channels/${ch.id}/disable`, {})).status, 200);
    assert.equal(getChannel(gw.db, bucket, 'cam1')!.status, 'disabled');
    assert.equal((await post(`/admin/channels/${ch.id}/enable`, {})).status, 200);
    assert.equal(getChannel(gw.db, bucket, 'cam1')!.status, 'enabled');
    const hist = await (await req(`/admin/channels/${ch.id}/status`, { headers: { cookie: auth.cookie } })).text();
    assert.ok(hist.startsWith('<div id="channel-status"'), 'a fragment, not a page');
    assert.match(hist, /127\.0\.0\.1:5000.*test/s);
    const vod = await post('/admin/vod', { channel: String(ch.id), start: '1700000000', end: '1700000100' });
    assert.equal(vod.status, 404);
    assert.match(await vod.text(), /no stored segments/);
    assert.equal((await post(`/admin/channels/${ch.id}/delete`, {})).status, 303);
    assert.equal(getChannel(gw.db, bucket, 'cam1'), undefined);
  });
});

describe('first start without ADMIN_PASSWORD: one-time setup link in the log', () => {
  let gw: TestGateway;
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  before(async () => {
    process.env.TEST_LOG_LEVEL = 'info';
    process.stdout.write = ((s: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(String(s));
      return (write as (...a: unknown[]) => boolean)(s, ...rest);
    }) as typeof process.stdout.write;
    try {
      gw = await startTestGateway({});
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.stdout.write = write;
      delete process.env.TEST_LOG_LEVEL;
      setLogLevel('warn');
    }
  });
  after(() => gw?.stop(2000));

  it('sets the admin password once through the logged link', async () => {
    const setupLines = lines.filter((l) => l.includes('/admin/setup?token='));
    assert.equal(setupLines.length, 1);
    const link = new URL(/(http\S+\/admin\/setup\?token=\S+)/.exec(setupLines[0]!)![1]!);
    const token = link.searchParams.get('token')!;
    assert.equal(lines.filter((l) => l.includes(token)).length, 1, 'the token is in that one line only');
    const req = (p: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}) => gw.app.request(p, o);
    assert.equal((await req('/admin/setup?token=wrong')).status, 404);
    assert.equal((await req('/admin/setup')).status, 404);
    const g = await req(`/admin/setup?token=${token}`);
    assert.equal(g.status, 200);
    const pre = g.headers.get('set-cookie')!.split(';')[0]!;
    const preTok = /name="_csrf" value="([^"]+)"/.exec(await g.text())![1]!;
    const send = (o: Record<string, string>) => req('/admin/setup', { method: 'POST', headers: { cookie: pre, ...form(o) }, body: form(o).body });
    assert.equal((await send({ _csrf: preTok, token, password: 'short', confirm: 'short' })).status, 400);
    assert.equal((await send({ _csrf: preTok, token, password: 'long enough one', confirm: 'long enough two' })).status, 400);
    assert.equal((await send({ token, password: 'long enough one', confirm: 'long enough one' })).status, 403);
    const ok = await send({ _csrf: preTok, token, password: 'long enough one', confirm: 'long enough one' });
    assert.equal(ok.status, 303);
    const cookie = ok.headers.get('set-cookie')!.split(';')[0]!;
    assert.equal((await req('/admin', { headers: { cookie } })).status, 200);
    assert.equal((await send({ _csrf: preTok, token, password: 'another password', confirm: 'another password' })).status, 404, 'used once');
    assert.equal((await req(`/admin/setup?token=${token}`)).status, 404);
    const { r } = await signIn((p, o = {}) => gw.app.request(p, o), 'long enough one');
    assert.equal(r.status, 303);
  });
});

describe('admin hardening (app.request)', () => {
  let gw: TestGateway;
  let req: Req;
  before(async () => {
    gw = await startTestGateway({ ADMIN_PASSWORD: PASSWORD });
    req = (p, o = {}) => gw.app.request(p, { method: o.method ?? 'GET', headers: o.headers, body: o.body });
  });
  after(() => gw?.stop(2000));

  it('refuses bodies over 64 KB before reading them, also chunked ones without a Content-Length', async () => {
    const big = new ReadableStream({ start(ctl) { for (let i = 0; i < 100; i++) ctl.enqueue(new TextEncoder().encode('x'.repeat(1024))); ctl.close(); } });
    const r = await gw.app.request('/admin/login', { method: 'POST', body: big, headers: { 'content-type': 'application/x-www-form-urlencoded' }, duplex: 'half' } as RequestInit);
    assert.equal(r.status, 413);
    assert.deepEqual(await r.json(), { error: 'too-large', reason: 'body over 65536 bytes' });
  });

  it('sends anti-framing and no-referrer headers on console pages', async () => {
    const r = await req('/admin/login');
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    assert.equal(r.headers.get('content-security-policy'), "frame-ancestors 'none'");
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  });

  it('a new sign-in ends the session the browser had; parallel wrong guesses cannot outrun the limit', async () => {
    const first = await signIn(req);
    assert.equal(first.r.status, 303);
    const oldCookie = first.r.headers.get('set-cookie')!.split(';')[0]!;
    assert.equal((await req('/admin', { headers: { cookie: oldCookie } })).status, 200);
    const lp = await req('/admin/login'); // a second tab's form; the browser still sends the old cookie with the post
    const pre = lp.headers.get('set-cookie')!.split(';')[0]!;
    const preTok = /name="_csrf" value="([^"]+)"/.exec(await lp.text())![1]!;
    const { body, ...h } = form({ _csrf: preTok, username: 'admin', password: PASSWORD });
    const again = await req('/admin/login', { method: 'POST', headers: { ...h, cookie: `${oldCookie}; ${pre}` }, body });
    assert.equal(again.status, 303);
    assert.equal((await req('/admin', { headers: { cookie: oldCookie } })).status, 303, 'the old session cookie no longer works');
    // 30 wrong guesses at once: the limit (8 per user) is counted before the slow password check
    const results = await Promise.all(Array.from({ length: 30 }, () => signIn(req, 'wrong-password!')));
    const statuses = results.map((x) => x.r.status);
    assert.equal(statuses.filter((s) => s === 400).length, 8, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 429).length, 22);
  });
});
