/**
 * The admin console in Debian's headless Chromium (playwright-core): sign in, create a key and a
 * channel, copy the push URL from the page, push with real ffmpeg, watch the channel turn live
 * with its resolution, see the session in the history, build a VOD from the timeline and watch
 * the hls.js preview play. Also: CSRF refusal, redirect without a session, escaped description.
 */
import { describe, it, before, after } from 'node:test';
import { getChannel, upsertChannel } from '../../db/repos/channels.ts';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestGateway, s3Env, rgw, waitFor, uniqueBucket, type TestGateway } from '../helpers/gateway.ts';
import { push } from '../helpers/ffmpeg.ts';

const OUT = path.resolve(process.env.TEST_OUTPUT_DIR ?? 'test-output', 'screenshots');
const PASSWORD = 'browser-test-password-1';
const XSS = '<img src=x onerror=alert(1)>';

describe('admin console in Chromium', () => {
  let gw: TestGateway;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  const bucket = uniqueBucket('admin');
  const dialogs: string[] = [];
  let channelUrl = '';
  let pushUrl = '';
  const shot = async (name: string) => {
    fs.mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: path.join(OUT, name), fullPage: true });
  };

  before(async () => {
    gw = await startTestGateway({ ...(rgw ? s3Env() : {}), ADMIN_PASSWORD: PASSWORD });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.httpBase });
    page = await ctx.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });
  after(async () => {
    await browser?.close();
    await gw?.stop(5000);
  });

  it('redirects a page without a session to sign-in, and /api/* answers JSON 401', async () => {
    const r = await fetch(`${gw.httpBase}/admin/channels`, { redirect: 'manual' });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/admin/login?next=%2Fadmin%2Fchannels');
    const api = await fetch(`${gw.httpBase}/api/live`);
    assert.equal(api.status, 401);
    assert.equal(((await api.json()) as { error: string }).error, 'unauthorized');
    const vod = await fetch(`${gw.httpBase}/api/vod`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(vod.status, 401);
    await page.goto(`${gw.httpBase}/admin/channels`);
    assert.equal(new URL(page.url()).pathname, '/admin/login');
  });

  it('signs in', async () => {
    await page.fill('input[name=password]', 'wrong-password-xx');
    await page.click('button[type=submit]');
    assert.match(await page.textContent('.msg.err') ?? '', /Wrong user or password/);
    await page.fill('input[name=password]', PASSWORD);
    await shot('login.png');
    await page.click('button[type=submit]');
    await page.waitForURL(`${gw.httpBase}/admin/channels`);
    assert.equal(await page.textContent('h1'), 'Channels');
  });

  it('creates an access key and shows its secret once', async () => {
    await page.goto(`${gw.httpBase}/admin/keys`);
    await page.fill('input[name=description]', 'browser test');
    await page.click('form[action="/admin/keys"] button[type=submit]');
    const id = (await page.textContent('#new-key-id'))!.trim();
    const secret = (await page.textContent('#new-key-secret'))!.trim();
    assert.match(id, /^[A-Z2-7]{20}$/);
    assert.equal(secret.length, 40);
    assert.equal(await page.locator(`tr[data-key="${id}"]`).count(), 1);
    await shot('keys.png');
    await page.goto(`${gw.httpBase}/admin/keys`);
    assert.equal(await page.locator('#new-key-secret').count(), 0, 'the secret is shown only once');
    assert.ok(!(await page.content()).includes(secret));
    await page.click(`tr[data-key="${id}"] details.edit summary`);
    assert.equal(await page.inputValue(`tr[data-key="${id}"] details.edit input[name=scope]`), '*');
    await shot('keys-edit.png');
  });

  it('creates a channel whose HTML description is shown escaped', async () => {
    await page.goto(`${gw.httpBase}/admin/channels`);
    await page.fill('input[name=bucket]', bucket);
    await page.fill('input[name=name]', 'cam');
    await page.fill('input[name=fragDuration]', '2');
    await page.fill('input[name=fragCount]', '4');
    await page.fill('input[name=description]', XSS);
    await page.click('form[action="/admin/channels"] button[type=submit]');
    await page.waitForURL(/\/admin\/channels\/\d+\?created=1$/);
    channelUrl = page.url().replace(/\?.*$/, '');
    assert.equal(await page.textContent('[data-testid=description]'), XSS);
    assert.equal(await page.locator('main img').count(), 0);
    await page.goto(`${gw.httpBase}/admin/channels`);
    assert.equal(await page.textContent(`tr[data-channel="${bucket}/cam"] .desc`), XSS);
    assert.equal(await page.locator('main img').count(), 0);
    assert.deepEqual(dialogs, []);
  });

  it('refuses a form post without the CSRF token (403)', async () => {
    const cookies = await ctx.cookies(gw.httpBase);
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const post = (body: Record<string, string>) =>
      fetch(`${gw.httpBase}/admin/keys`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body), redirect: 'manual' });
    const before = (await (await fetch(`${gw.httpBase}/admin/keys`, { headers: { cookie } })).text()).match(/data-key=/g)?.length;
    assert.equal((await post({ description: 'no token' })).status, 403);
    assert.equal((await post({ description: 'bad token', _csrf: 'x'.repeat(32) })).status, 403);
    const after = (await (await fetch(`${gw.httpBase}/admin/keys`, { headers: { cookie } })).text()).match(/data-key=/g)?.length;
    assert.equal(after, before, 'no key was created');
    const api = await fetch(`${gw.httpBase}/api/vod`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(api.status, 403);
  });

  it('copies the push URL from the page; the channel turns live with 640x360', async () => {
    await page.goto(channelUrl);
    await page.click('button[data-copy="push-seed"]');
    pushUrl = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(pushUrl, (await page.textContent('#push-seed'))!.trim());
    assert.ok(pushUrl.startsWith(`${gw.rtmpBase}/hls/cam?Bucket=${bucket}&AccessKeyId=`), pushUrl);
    const server = await page.textContent('#obs-server');
    const streamKey = await page.textContent('#obs-key');
    assert.equal(`${server}/${streamKey}`, pushUrl);
    assert.equal(await page.textContent('#play-gateway'), (await page.textContent('#play-gateway'))!.trim());
    assert.ok((await page.textContent('#play-gateway'))!.startsWith(`${gw.httpBase}/${bucket}/cam/playlist.m3u8?AWSAccessKeyId=`));
    if (rgw) assert.ok((await page.textContent('#play-s3'))!.startsWith(`${rgw.endpoint}/${bucket}/cam/playlist.m3u8?AWSAccessKeyId=${rgw.accessKeyId}&`));
    await shot('channel.png');

    const pushing = push(pushUrl, 12);
    try {
      // the status fragment refreshes itself (htmx polling); no reload here
      const res = await waitFor('live badge with 640x360', async () => {
        if (!(await page.locator('[data-testid=live-badge]').count())) return undefined;
        const t = await page.locator('#channel-status .res').textContent().catch(() => '');
        return t === '640x360' ? t : undefined;
      }, 30_000, 250);
      assert.equal(res, '640x360');
      const dash = await ctx.newPage();
      await dash.goto(`${gw.httpBase}/admin`);
      const row = dash.locator(`tr[data-channel="${bucket}/cam"]`);
      await waitFor('dashboard row', async () => ((await row.locator('.res').textContent().catch(() => '')) === '640x360' ? true : undefined), 20_000, 250);
      assert.match((await row.locator('.video').textContent())!, /^H\.264 640x360/);
      assert.match((await row.locator('.audio').textContent())!, /^AAC 44100 Hz/);
      await dash.screenshot({ path: path.join(OUT, 'live.png'), fullPage: true });
      await dash.close();
      await shot('channel-live.png');
    } finally {
      const r = await pushing;
      assert.equal(r.code, 0, r.stderr);
    }
  });

  it('shows the ended session in the history', async () => {
    const row = page.locator('#channel-status tr[data-status=ended]');
    await waitFor('ended session in the history', async () => ((await row.count()) === 1 ? true : undefined), 30_000, 250);
    assert.equal(await page.locator('[data-testid=idle-badge]').count(), 1);
    assert.match((await row.textContent())!, /640x360/);
    assert.notEqual((await row.locator('.reason').textContent())!.trim(), '–');
    await waitFor('uploads drained', () => gw.uploader.stats().pending === 0, 30_000);
    await shot('channel-history.png');
  });

  it('builds a VOD from the timeline and plays it in the preview', async () => {
    await page.goto(channelUrl);
    const bar = page.locator('svg.timeline a[data-session]');
    assert.equal(await bar.count(), 1);
    await bar.first().click();
    await page.waitForURL(/\/admin\/vod\?channel=\d+&start=\d+&end=\d+/);
    const start = Number(await page.inputValue('input[name=start]'));
    const end = Number(await page.inputValue('input[name=end]'));
    assert.ok(end - start >= 8 && end - start <= 20, `${start}..${end}`);
    // the local-time inputs show the same instants
    const local = await page.inputValue('input[data-unix-for=vod-start]');
    assert.equal(await page.evaluate((v) => Math.floor(new Date(v).getTime() / 1000), local), start);
    await page.fill('input[name=name]', 'from-timeline.m3u8');
    const posted = page.waitForRequest((r) => r.url() === `${gw.httpBase}/admin/vod` && r.method() === 'POST');
    await page.click('#vod button[type=submit]');
    const h = (await posted).headers();
    // htmx made the request and sent the session's CSRF token as a header (hx-headers)
    assert.equal(h['hx-request'], 'true');
    assert.equal(h['x-csrf-token'], await page.inputValue('#vod input[name=_csrf]'));
    await page.waitForSelector('[data-testid=vod-result] video');
    assert.match((await page.textContent('[data-testid=vod-result] .msg.ok'))!, /Stored [a-z0-9-]+\/cam\/from-timeline\.m3u8: \d+ segment/);
    assert.ok((await page.textContent('#vod-link'))!.startsWith(`${gw.httpBase}/${bucket}/cam/from-timeline.m3u8?AWSAccessKeyId=`));
    const t = () => page.evaluate(() => (document.getElementById('vod-preview') as HTMLVideoElement).currentTime);
    const from = await waitFor('preview to start', async () => ((await t()) > 0 ? await t() : undefined), 30_000, 200);
    const to = await waitFor('preview currentTime to advance 3 s', async () => {
      const now = await t();
      return now >= from + 3 ? now : undefined;
    }, 30_000, 200);
    assert.ok(to - from >= 3, `${from} -> ${to}`);
    assert.equal(new URL(page.url()).pathname, '/admin/vod', 'no full-page navigation');
    await shot('vod.png');
    // the timeline follows the chosen channel: picking another one reloads the page for it
    const other = getChannel(gw.db, bucket, 'cam2') ?? upsertChannel(gw.db, bucket, 'cam2').channel;
    await page.goto(`${gw.httpBase}/admin/vod`);
    await page.selectOption('select[name=channel]', String(other.id));
    await page.waitForURL(new RegExp(`/admin/vod\\?channel=${other.id}$`));
    assert.equal(await page.inputValue('select[name=channel]'), String(other.id));
  });

  it('fits a phone screen (screenshots at 390 px)', async () => {
    const phone = await ctx.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    for (const [p, name] of [[channelUrl, 'phone-channel.png'], [`${gw.httpBase}/admin/keys`, 'phone-keys.png']] as const) {
      await phone.goto(p);
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${name}: page is ${overflow} px wider than the screen`);
      await phone.screenshot({ path: path.join(OUT, name), fullPage: true });
    }
    await phone.close();
  });
});
