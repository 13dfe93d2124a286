/**
 * Issue 5.5: hostile HTTP against the whole gateway app (every mount), through app.request() and
 * as raw bytes over node:net. Traversal in every spelling, NUL, backslashes, double and overlong
 * encodings, bad escapes, huge headers and URLs, non-numeric Expires, hostile VOD API bodies: all
 * 4xx with a reason, and the store (wrapped to count calls) is never touched. The process stays up.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestGateway, setupChannel, s3Env, rgw, uniqueBucket, type TestGateway } from '../helpers/gateway.ts';
import type { Storage } from '../../app/storage/types.ts';
import { adminHeaders } from '../helpers/admin.ts';
import { CSRF_HEADER } from '../../app/http/admin/session.ts';

/** one raw request; returns the status code and the body (connection: close) */
function raw(port: number, bytes: string | Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    let got = '';
    s.setEncoding('latin1').on('data', (d: string) => (got += d));
    s.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' && got ? null : reject(e)));
    s.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0), text: got }));
    s.setTimeout(10_000, () => s.destroy(new Error('no answer')));
  });
}

const get = (target: string, headers = '') => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`;

describe('hostile HTTP', () => {
  let gw: TestGateway;
  const bucket = uniqueBucket('http');
  let q = '';
  const calls: string[] = [];
  before(async () => {
    gw = await startTestGateway(rgw ? s3Env() : {});
    const key = await setupChannel(gw, bucket, 'cam');
    q = new URL(await gw.cli('sign', 'play', `${bucket}/cam/playlist.m3u8`, '--key', key.id)).search;
    // count every storage call the HTTP layer makes (the mounts hold this same object)
    const s = gw.storage as unknown as Record<string, unknown>;
    for (const m of ['get', 'head', 'put', 'list', 'delete', 'ensureBucket'] as (keyof Storage)[]) {
      const orig = s[m] as (...a: unknown[]) => unknown;
      s[m] = (...a: unknown[]) => (calls.push(`${m} ${String(a[1] ?? '')}`), orig.apply(gw.storage, a));
    }
  });
  after(async () => gw?.stop(2000));

  const paths = (b: string): [string, RegExp][] => [
    [`/${b}/cam/../cam/playlist.m3u8`, /'\.' or '\.\.' segment/],
    [`/${b}/cam/./playlist.m3u8`, /'\.' or '\.\.' segment/],
    [`/${b}/%2e%2e/cam/playlist.m3u8`, /'\.' or '\.\.' segment/],
    [`/${b}/cam/%2E%2E/%2E%2E/etc/passwd`, /'\.' or '\.\.' segment/],
    [`/${b}/cam/.%2e/playlist.m3u8`, /'\.' or '\.\.' segment/],
    [`/${b}/cam%2Fplaylist.m3u8`, /encoded '\/'/],
    [`/${b}/cam/..%2fplaylist.m3u8`, /encoded '\/'/],
    [`/${b}/cam/playlist.m3u8%00`, /control character/],
    [`/${b}/cam/playlist%00.m3u8`, /control character/],
    [`/${b}/cam/..%5cplaylist.m3u8`, /backslash/],
    [`/${b}/cam/%5c..%5c..%5cplaylist.m3u8`, /backslash/],
    [`/${b}/cam/%zz.m3u8`, /malformed percent-encoding/],
    [`/${b}/cam/%e0%80%ae%e0%80%ae.m3u8`, /malformed percent-encoding/],
    [`/${b}/cam/%c0%ae%c0%ae/playlist.m3u8`, /malformed percent-encoding/],
    [`/${b}/cam/%252e%252e/playlist.m3u8`, /expected|invalid|name/i],
    [`/${b}//cam/playlist.m3u8`, /empty segment/],
    [`/%2e%2e/${b}/cam/playlist.m3u8`, /'\.' or '\.\.' segment/],
  ];

  it('app.request(): traversal spellings and bad escapes are 400 with a reason; storage untouched', async () => {
    const before = calls.length;
    for (const [p, why] of paths(bucket)) {
      const target = p + q;
      const res = await gw.app.request(target, {}, { incoming: { url: target } });
      const text = await res.text();
      assert.equal(res.status, 400, `${p}: ${res.status} ${text}`);
      assert.match(text, why, p);
    }
    assert.deepEqual(calls.slice(before), []);
  });

  it('app.request(): non-numeric or absurd Expires is 403 with a reason; storage untouched', async () => {
    const before = calls.length;
    for (const e of ['soon', '1e10', '-1', '0x7fffffff', '12345678901234567890', '%31%32', '']) {
      const target = `/${bucket}/cam/playlist.m3u8${q.replace(/Expires=\d+/, `Expires=${e}`)}`;
      const res = await gw.app.request(target, {}, { incoming: { url: target } });
      const text = await res.text();
      assert.ok(res.status === 403 || res.status === 400, `${e}: ${res.status}`);
      assert.match(text, /<Message>[^<]{10,}<\/Message>/, `${e}: a reason`);
    }
    assert.deepEqual(calls.slice(before), []);
  });

  it('app.request(): hostile VOD API bodies are 4xx with a reason; storage untouched', async () => {
    const before = calls.length;
    const now = Math.floor(Date.now() / 1000);
    const bodies: [string, number, RegExp][] = [
      [JSON.stringify({ bucket: '..', channel: 'cam', start: now - 60, end: now }), 400, /./],
      [JSON.stringify({ bucket, channel: '../cam', start: now - 60, end: now }), 400, /./],
      [JSON.stringify({ bucket, channel: 'cam\u0000', start: now - 60, end: now }), 400, /./],
      [JSON.stringify({ bucket, channel: 'cam', start: 'yesterday', end: now }), 400, /./],
      [JSON.stringify({ bucket, channel: 'cam', start: now - 60, end: now, name: '../../x.m3u8' }), 400, /./],
      [JSON.stringify({ bucket, channel: 'cam', start: now - 60, end: now, name: 'a\\b.m3u8' }), 400, /./],
      ['{"bucket":', 400, /JSON/],
      [JSON.stringify({ bucket: 'x'.repeat(20_000) }), 413, /body over/],
    ];
    // the API needs an admin session; without one nothing is parsed at all
    const anon = await gw.app.request('/api/vod', { method: 'POST', body: bodies[0]![0], headers: { 'content-type': 'application/json' } });
    assert.equal(anon.status, 401);
    const { cookie, csrf } = await adminHeaders(gw.db);
    for (const [body, status, why] of bodies) {
      const res = await gw.app.request('/api/vod', { method: 'POST', body, headers: { cookie, [CSRF_HEADER]: csrf, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } });
      const j = (await res.json()) as { reason?: string };
      assert.equal(res.status, status, `${body.slice(0, 60)}: ${res.status} ${JSON.stringify(j)}`);
      assert.match(j.reason ?? '', why);
    }
    assert.deepEqual(calls.slice(before), []);
  });

  it('raw sockets: traversal, NUL and backslash bytes, huge headers and URLs are refused; the process stays up', async () => {
    const before = calls.length;
    for (const [p, why] of paths(bucket).slice(0, 8)) {
      const r = await raw(gw.httpPort, get(p + q));
      assert.equal(r.status, 400, `${p}: ${r.text.slice(0, 200)}`);
      assert.match(r.text, why);
    }
    // bytes node's HTTP parser refuses before any route: 400/431/414 with the reason in the status line
    const cases: [string, string | Buffer, number[]][] = [
      ['raw NUL in the target', Buffer.from(`GET /${bucket}/cam/play\0list.m3u8${q} HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1'), [400]],
      ['raw backslashes', get(`/${bucket}\\..\\..\\cam/playlist.m3u8${q}`), [400]],
      ['a space inside the target', `GET /${bucket}/cam/a b.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n`, [400]],
      ['64 kB of one header', get(`/${bucket}/cam/playlist.m3u8${q}`, `X-Big: ${'a'.repeat(64 * 1024)}\r\n`), [431]],
      ['4000 small headers (47 kB)', get(`/${bucket}/cam/playlist.m3u8${q}`, Array.from({ length: 4000 }, (_, i) => `X-H${i}: v\r\n`).join('')), [431]],
      ['a 100 kB URL', get(`/${bucket}/cam/${'a'.repeat(100 * 1024)}.m3u8${q}`), [414, 431, 400]],
      ['a bare LF request with a header folded line', `GET / HTTP/1.1\nHost: x\n folded\n\n`, [400]],
      ['not HTTP at all', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00]), [400]],
    ];
    for (const [what, bytes, statuses] of cases) {
      const r = await raw(gw.httpPort, bytes);
      assert.ok(statuses.includes(r.status), `${what}: got ${r.status} ${r.text.slice(0, 120)}`);
      assert.match(r.text, /^HTTP\/1\.1 \d{3} [A-Z][\w ]+\r\n/, `${what}: a reason phrase`);
    }
    assert.deepEqual(calls.slice(before), [], 'storage untouched');
    const health = await fetch(`${gw.httpBase}/healthz`);
    assert.equal(health.status, 200);
    // and a real signed playlist read still reaches storage (the counter works)
    const ok = await fetch(`${gw.httpBase}/${bucket}/cam/playlist.m3u8${q}`);
    assert.equal(ok.status, 404, 'nothing pushed yet: NoSuchKey, from storage');
    assert.ok(calls.length > before);
  });
});
