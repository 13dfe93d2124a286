/**
 * hls.js (from npm) in Debian's headless Chromium, driven by playwright-core, plays one signed link
 * from `sign play`: (a) live while ffmpeg pushes, (b) recorded once the playlist got #EXT-X-ENDLIST.
 * The page comes from another origin (a throwaway server), so CORS is exercised too.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestGateway, setupChannel, s3Env, rgw, waitFor, uniqueBucket, type TestGateway } from '../helpers/gateway.ts';
import { push } from '../helpers/ffmpeg.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OUT = path.resolve(process.env.TEST_OUTPUT_DIR ?? 'test-output');

const PAGE = `<!doctype html><html><body style="margin:0;background:#000">
<video id="v" muted playsinline width="640" height="360"></video>
<script src="/hls.min.js"></script>
<script>
  window.errors = [];
  window.play = (url) => {
    const video = document.getElementById('v');
    const hls = new Hls({ debug: false });
    hls.on(Hls.Events.ERROR, (_e, d) => window.errors.push({ fatal: d.fatal, type: d.type, details: d.details, status: d.response && d.response.code }));
    hls.loadSource(url);
    hls.attachMedia(video);
    hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch((e) => window.errors.push({ fatal: false, details: 'play(): ' + e.message })));
  };
  window.state = () => ({ t: document.getElementById('v').currentTime, errors: window.errors });
</script></body></html>`;

function servePage(): Promise<http.Server> {
  const js = fs.readFileSync(path.join(ROOT, 'node_modules/hls.js/dist/hls.min.js'));
  const server = http.createServer((req, res) => {
    if (req.url === '/hls.min.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

/** load the link in a fresh page and wait until playback advanced by `seconds` with no fatal error */
async function playFor(browser: Browser, pageUrl: string, link: string, seconds: number, shot: string): Promise<{ from: number; to: number }> {
  const page: Page = await browser.newPage();
  try {
    await page.goto(pageUrl);
    await page.evaluate((u) => (window as unknown as { play(u: string): void }).play(u), link);
    const state = () => page.evaluate(() => (window as unknown as { state(): { t: number; errors: { fatal: boolean; details: string }[] } }).state());
    const fatal = async () => (await state()).errors.filter((e) => e.fatal);
    const from = await waitFor('playback to start', async () => {
      const s = await state();
      if (s.errors.some((e) => e.fatal)) throw new Error(`hls.js fatal error: ${JSON.stringify(s.errors)}`);
      return s.t > 0 ? s.t : undefined;
    }, 30_000, 200);
    const to = await waitFor(`currentTime to advance ${seconds} s`, async () => {
      const s = await state();
      if (s.errors.some((e) => e.fatal)) throw new Error(`hls.js fatal error: ${JSON.stringify(s.errors)}`);
      return s.t >= from + seconds ? s.t : undefined;
    }, 30_000, 200);
    assert.deepEqual(await fatal(), []);
    fs.mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: path.join(OUT, shot) });
    return { from, to };
  } finally {
    await page.close();
  }
}

describe('hls.js in Chromium plays signed links', () => {
  let gw: TestGateway;
  let browser: Browser;
  let pageServer: http.Server;
  let pageUrl: string;
  const bucket = uniqueBucket('hlsjs');
  let key: { id: string; secret: string };
  let pushing: ReturnType<typeof push>;

  before(async () => {
    gw = await startTestGateway(rgw ? s3Env() : {});
    key = await setupChannel(gw, bucket, 'show', ['--frag-duration', '2', '--frag-count', '4']);
    pageServer = await servePage();
    pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
    // playwright gives every launch a fresh temporary profile
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });
  after(async () => {
    pushing?.kill();
    await browser?.close();
    await new Promise((r) => pageServer?.close(r));
    await gw?.stop(5000);
  });

  it('plays a signed live link while ffmpeg is pushing', async () => {
    pushing = push(await gw.cli('sign', 'push', `${bucket}/show`, '--key', key.id), 30);
    const link = await gw.cli('sign', 'play', `${bucket}/show/playlist.m3u8`, '--key', key.id);
    // hls.js starts three target durations from the live edge: wait for a window that long
    await waitFor('three segments in the live playlist', async () => {
      const r = await fetch(link);
      return r.status === 200 && ((await r.text()).match(/#EXTINF/g) ?? []).length >= 3;
    }, 30_000, 250);
    const { from, to } = await playFor(browser, pageUrl, link, 4, 'playback-live.png');
    assert.ok(to - from >= 4, `${from} -> ${to}`);
  });

  it('plays the signed recorded link once the playlist has #EXT-X-ENDLIST', async () => {
    const r = await pushing;
    assert.equal(r.code, 0, r.stderr);
    const link = await gw.cli('sign', 'play', `${bucket}/show/playlist.m3u8`, '--key', key.id);
    await waitFor('ENDLIST', async () => (await (await fetch(link)).text()).includes('#EXT-X-ENDLIST'), 30_000, 250);
    const { from, to } = await playFor(browser, pageUrl, link, 4, 'playback-recorded.png');
    assert.ok(to - from >= 4, `${from} -> ${to}`);
  });
});
