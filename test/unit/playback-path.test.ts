/** Pure parts of playback: the request path rules, byte ranges and entity tags. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlaybackPath } from '../../app/core/playback-path.ts';
import { resolveRangeHeader, etagMatches } from '../../app/core/http-range.ts';

const RESERVED = ['admin', 'api', 'healthz', 'static', 'oss'];
const parse = (p: string) => parsePlaybackPath(p, RESERVED);
const reason = (p: string) => {
  const r = parse(p);
  assert.equal(r.ok, false, p);
  return (r as { reason?: string }).reason ?? 'reserved';
};

describe('playback path', () => {
  it('maps /<bucket>/<channel>/<object> to bucket, channel and key', () => {
    assert.deepEqual(parse('/rtmptest1/channel002/index.m3u8'), { ok: true, bucket: 'rtmptest1', channel: 'channel002', name: 'index.m3u8', key: 'channel002/index.m3u8', kind: 'playlist' });
    assert.deepEqual(parse('/rtmptest1/channel002/1535251714336.ts'), { ok: true, bucket: 'rtmptest1', channel: 'channel002', name: '1535251714336.ts', key: 'channel002/1535251714336.ts', kind: 'segment' });
    // decoded exactly once: %41 is 'A', and the decoded string is the key
    assert.deepEqual(parse('/rtmptest1/ch%41/1535251714336.ts'), { ok: true, bucket: 'rtmptest1', channel: 'chA', name: '1535251714336.ts', key: 'chA/1535251714336.ts', kind: 'segment' });
  });
  it('refuses every traversal spelling with a reason', () => {
    assert.match(reason('/rtmptest1/channel002/../x/1535251714336.ts'), /'\.' or '\.\.' segment/);
    assert.match(reason('/rtmptest1/%2e%2e/channel002/1535251714336.ts'), /'\.' or '\.\.' segment/);
    assert.match(reason('/rtmptest1/channel002/%2E%2E'), /'\.' or '\.\.' segment/);
    assert.match(reason('/rtmptest1/channel002/.'), /'\.' or '\.\.' segment/);
    assert.match(reason('/rtmptest1/channel002%2F1535251714336.ts'), /encoded '\/'/);
    assert.match(reason('/rtmptest1/channel002/..%2f..%2fetc'), /encoded '\/'/);
    assert.match(reason('/rtmptest1/channel002/1535251714336.ts%00'), /control character/);
    assert.match(reason('/rtmptest1/channel002/%zz.ts'), /malformed percent-encoding/);
    assert.match(reason('/rtmptest1/channel002/%E0%A4%A.ts'), /malformed percent-encoding/);
    assert.match(reason('/rtmptest1/channel002\\..\\x.ts'), /backslash/);
    assert.match(reason('/rtmptest1/channel002/%5C..%5Cx.ts'), /backslash/);
    assert.match(reason('/rtmptest1//channel002/1535251714336.ts'), /empty segment/);
    assert.match(reason('/rtmptest1/channel002/'), /empty segment/);
  });
  it('refuses names outside the rules', () => {
    assert.match(reason('/Bad_Bucket/channel002/index.m3u8'), /invalid bucket name/);
    assert.match(reason('/rtmptest1/chan.nel/index.m3u8'), /invalid channel name/);
    assert.match(reason('/rtmptest1/channel002/123.ts'), /invalid object name/);
    assert.match(reason('/rtmptest1/channel002/video.mp4'), /invalid object name/);
    assert.match(reason('/rtmptest1/channel002/a b.m3u8'), /invalid playlist name/);
    assert.match(reason('/rtmptest1/channel002/sub/1535251714336.ts'), /expected \/<bucket>\/<channel>/);
    assert.match(reason('/rtmptest1/channel002'), /expected \/<bucket>\/<channel>/);
    assert.equal(reason('/api/channel002/index.m3u8'), 'reserved');
    assert.equal(reason('/admin'), 'reserved');
    assert.match(reason('/%61pi/channel002/index.m3u8'), /reserved by the gateway/);
  });
});

describe('byte ranges', () => {
  it('resolves single ranges as RFC 9110 says', () => {
    assert.deepEqual(resolveRangeHeader('bytes=0-187', 1000), { kind: 'partial', start: 0, end: 187 });
    assert.deepEqual(resolveRangeHeader('bytes=900-', 1000), { kind: 'partial', start: 900, end: 999 });
    assert.deepEqual(resolveRangeHeader('bytes=900-5000', 1000), { kind: 'partial', start: 900, end: 999 });
    assert.deepEqual(resolveRangeHeader('bytes=-188', 1000), { kind: 'partial', start: 812, end: 999 });
    assert.deepEqual(resolveRangeHeader('bytes=-5000', 1000), { kind: 'partial', start: 0, end: 999 });
    assert.deepEqual(resolveRangeHeader('bytes=1000-', 1000), { kind: 'unsatisfiable' });
    assert.deepEqual(resolveRangeHeader('bytes=-0', 1000), { kind: 'unsatisfiable' });
    for (const h of [undefined, '', 'bytes=5-1', 'bytes=0-1,5-9', 'items=0-1', 'bytes=-', 'bytes=a-b'])
      assert.deepEqual(resolveRangeHeader(h, 1000), { kind: 'full' }, String(h));
  });
  it('compares entity tags weakly', () => {
    assert.equal(etagMatches('"abc"', '"abc"'), true);
    assert.equal(etagMatches('W/"abc", "x"', '"abc"'), true);
    assert.equal(etagMatches('*', '"abc"'), true);
    assert.equal(etagMatches('"abd"', '"abc"'), false);
    assert.equal(etagMatches(undefined, '"abc"'), false);
  });
});
