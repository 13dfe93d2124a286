import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signPush, verifyPush, buildPushUrl, signV2, presignV2, verifyV2, parseQuery, pushStringToSign } from '../../app/core/signing/index.ts';

const SEED_AK = 'GVXDWEABA4CO2DSA2CPH';
const SEED_SECRET = 'lhV5DfiUPoNKL1IeF6BwUEuFXobEFmuz1iuw03XB';

describe('push signature (seed vectors)', () => {
  it('reproduces the seed formula example', () => {
    assert.equal(pushStringToSign('Expires', 'BucketName', 'ChannelName'), 'Expires\n/BucketName/ChannelName');
    assert.equal(signPush('secret-key', 'Expires', 'BucketName', 'ChannelName'), 'sr6/RWeRrnzciFO9xYXZHWMimlA=');
  });
  it('reproduces the seed ffmpeg command URL', () => {
    assert.equal(signPush(SEED_SECRET, '1534842631', 'rtmptest1', 'channel002'), 'tN57NoNVznJMypH+Pu3HtBKQm+U=');
    const url = buildPushUrl({ rtmpBase: 'rtmp://192.168.153.1:1935', form: 'seed', bucket: 'rtmptest1', channel: 'channel002', accessKeyId: SEED_AK, secret: SEED_SECRET, expires: 1534842631 });
    assert.equal(url, 'rtmp://192.168.153.1:1935/hls/channel002?Bucket=rtmptest1&AccessKeyId=GVXDWEABA4CO2DSA2CPH&Expires=1534842631&Signature=tN57NoNVznJMypH%2BPu3HtBKQm%2BU%3D');
  });
  it('signs extra OSS params as name:value lines, sorted', () => {
    const sig = signPush('s', '100', 'b', 'c', [['playlistName', 'my.m3u8'], ['OSSAccessKeyId', 'x'], ['Signature', 'q']]);
    assert.equal(pushStringToSign('100', 'b', 'c', [['playlistName', 'my.m3u8'], ['aa', '1']]), '100\naa:1\nplaylistName:my.m3u8\n/b/c');
    assert.equal(sig, signPush('s', '100', 'b', 'c', [['playlistName', 'my.m3u8']]));
    assert.notEqual(sig, signPush('s', '100', 'b', 'c'));
    const url = buildPushUrl({ rtmpBase: 'rtmp://h', form: 'oss', bucket: 'b', channel: 'c', accessKeyId: 'AK', secret: 's', expires: 100, playlistName: 'my.m3u8' });
    assert.match(url, /^rtmp:\/\/h\/live\/c\?OSSAccessKeyId=AK&Expires=100&Signature=[^&]+&playlistName=my\.m3u8&Bucket=b$/);
    const vh = buildPushUrl({ rtmpBase: 'rtmp://oss.example.com', form: 'oss', bucket: 'b', channel: 'c', accessKeyId: 'AK', secret: 's', expires: 100, vhost: true });
    assert.match(vh, /^rtmp:\/\/b\.oss\.example\.com\/live\/c\?OSSAccessKeyId=AK&Expires=100&Signature=[^&]+$/);
    const q = parseQuery(url.split('?')[1]!);
    assert.ok(q.ok);
    assert.equal(q.params.get('Signature'), sig);
  });
  const base = { secret: SEED_SECRET, bucket: 'rtmptest1', channel: 'channel002', expires: '1534842631', extra: [] as [string, string][], nowSec: 1534842000 };
  it('accepts the plain, z-variant and space-for-plus signatures', () => {
    assert.deepEqual(verifyPush({ ...base, signature: 'tN57NoNVznJMypH+Pu3HtBKQm+U=' }), { ok: true });
    assert.deepEqual(verifyPush({ ...base, signature: 'tN57NoNVznJMypH Pu3HtBKQm U=' }), { ok: true });
    // a vector whose signature has a '/': the seed's encoder script sends it with 'z' instead
    const slashed = { ...base, secret: 'secret-key', bucket: 'BucketName', channel: 'ChannelName', expires: '2000000000', nowSec: 0 };
    assert.equal(signPush('secret-key', '2000000000', 'BucketName', 'ChannelName'), 'FQ1itEzDkr4FBdpoc1l/2et6Oso=');
    assert.deepEqual(verifyPush({ ...slashed, signature: 'FQ1itEzDkr4FBdpoc1lz2et6Oso=' }), { ok: true });
    assert.equal((verifyPush({ ...slashed, signature: 'FQ1itEzDkr4FBdpoc1lz2et6Osp=' }) as { code: string }).code, 'signature-mismatch');
  });
  it('refuses tampered, expired and malformed', () => {
    assert.equal((verifyPush({ ...base, signature: 'tN57NoNVznJMypH+Pu3HtBKQm+V=' }) as any).code, 'signature-mismatch');
    assert.equal((verifyPush({ ...base, channel: 'channel003', signature: 'tN57NoNVznJMypH+Pu3HtBKQm+U=' }) as any).code, 'signature-mismatch');
    assert.equal((verifyPush({ ...base, nowSec: 1534842632, signature: 'tN57NoNVznJMypH+Pu3HtBKQm+U=' }) as any).code, 'expired');
    for (const e of ['1534842631000', '1534842631.5', '-1', '', 'abc', undefined])
      assert.equal((verifyPush({ ...base, expires: e, signature: 'x' }) as any).code, 'expires-malformed', String(e));
    assert.equal((verifyPush({ ...base, signature: undefined }) as any).code, 'signature-missing');
  });
});

describe('S3 V2 play links (seed viewer vector)', () => {
  it('reproduces gw9qRSiwf3KXz5/0QsY3lUVuY6c=', () => {
    assert.equal(signV2(SEED_SECRET, 2165554749, 'rtmptest1', 'channel002/index.m3u8'), 'gw9qRSiwf3KXz5/0QsY3lUVuY6c=');
    assert.equal(
      presignV2({ base: 'http://10.152.11.36', bucket: 'rtmptest1', key: 'channel002/index.m3u8', accessKeyId: SEED_AK, secret: SEED_SECRET, expires: 2165554749 }),
      'http://10.152.11.36/rtmptest1/channel002/index.m3u8?AWSAccessKeyId=GVXDWEABA4CO2DSA2CPH&Expires=2165554749&Signature=gw9qRSiwf3KXz5/0QsY3lUVuY6c%3D',
    );
  });
  const params = (q: string) => { const p = parseQuery(q); assert.ok(p.ok); return p.params; };
  const v = (q: string, over: Partial<Parameters<typeof verifyV2>[0]> = {}) => verifyV2({
    params: params(q), bucket: 'rtmptest1', key: 'channel002/index.m3u8', method: 'GET', nowSec: 1_800_000_000,
    secretFor: (ak) => (ak === SEED_AK ? SEED_SECRET : undefined), ...over,
  });
  const good = 'AWSAccessKeyId=GVXDWEABA4CO2DSA2CPH&Expires=2165554749&Signature=gw9qRSiwf3KXz5/0QsY3lUVuY6c%3D';
  it('verifies the seed link and refuses variants with a code', () => {
    assert.deepEqual(v(good), { ok: true, accessKeyId: SEED_AK });
    assert.deepEqual(v(good, { method: 'HEAD' }), { ok: true, accessKeyId: SEED_AK });
    assert.equal((v(good.replace('gw9q', 'gw9r')) as any).code, 'signature-mismatch');
    assert.equal((v(good, { key: 'channel002/other.m3u8' }) as any).code, 'signature-mismatch');
    assert.equal((v(good, { nowSec: 2165554750 }) as any).code, 'expired');
    assert.equal((v(good.replace('2165554749', '2165554749.0')) as any).code, 'expires-malformed');
    assert.equal((v(good.replace('GVXD', 'ZZZZ')) as any).code, 'unknown-key');
  });
  it('parseQuery is strict', () => {
    assert.equal(parseQuery('a=%zz').ok, false);
    assert.equal(parseQuery('a=1&a=2').ok, false);
    const p = params('Signature=a+b%2B');
    assert.equal(p.get('Signature'), 'a+b+');
  });
});
