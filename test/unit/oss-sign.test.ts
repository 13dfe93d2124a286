/**
 * OSS signature version 1 (header and query forms) with fixed vectors: each expected signature
 * is computed here with node:crypto straight from the documented formula, and checked against
 * ali-oss's own signUtils for the same request. Also bucket/object resolution from Host and path.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { canonicalizedOssHeaders, canonicalizedResource, ossSignature, ossStringToSign, parseOssAuthorization } from '../../app/core/oss/sign.ts';
import { bucketFromHost, resolveOssTarget } from '../../app/core/oss/target.ts';

const require = createRequire(import.meta.url);
const signUtils = require('ali-oss/lib/common/signUtils.js') as {
  buildCanonicalString(method: string, resource: string, req: { headers: Record<string, string>; parameters?: unknown }, expires?: string): string;
  computeSignature(secret: string, s: string): string;
  _signatureForURL(secret: string, o: Record<string, unknown>, resource: string, expires: number): { Signature: string };
};

const SECRET = 'OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV';
const hmac = (s: string) => createHmac('sha1', SECRET).update(s, 'utf8').digest('base64');
const DATE = 'Fri, 04 Dec 2026 02:11:21 GMT';

describe('OSS CanonicalizedResource and CanonicalizedOSSHeaders', () => {
  it('keeps sub-resources only, sorted, value-less ones bare', () => {
    assert.equal(canonicalizedResource('/b/ch', [['live', '']]), '/b/ch?live');
    assert.equal(canonicalizedResource('/b/ch', [['status', 'disabled'], ['live', '']]), '/b/ch?live&status=disabled');
    assert.equal(canonicalizedResource('/b/ch', [['comp', 'stat'], ['live', '']]), '/b/ch?comp=stat&live');
    assert.equal(canonicalizedResource('/b/ch/v.m3u8', [['startTime', '100'], ['endTime', '200'], ['vod', '']]), '/b/ch/v.m3u8?endTime=200&startTime=100&vod');
    // ListLiveChannel: prefix / marker / max-keys are not signed
    assert.equal(canonicalizedResource('/b/', [['prefix', 'c'], ['max-keys', '2'], ['marker', 'x'], ['live', '']]), '/b/?live');
    // query-form credentials are not sub-resources
    assert.equal(canonicalizedResource('/b/ch', [['OSSAccessKeyId', 'a'], ['Expires', '1'], ['Signature', 's'], ['vod', '']]), '/b/ch?vod');
  });
  it('lower-cases, trims and sorts x-oss-* headers; ignores others', () => {
    assert.equal(canonicalizedOssHeaders([['X-OSS-Meta-B', ' 2 '], ['x-oss-date', DATE], ['Content-Type', 'x'], ['x-oss-meta-a', '1']]), `x-oss-date:${DATE}\nx-oss-meta-a:1\nx-oss-meta-b:2\n`);
  });
});

describe('OSS string to sign and signature (header form)', () => {
  it('PUT /ch?live with a body: matches the documented formula and ali-oss', () => {
    const md5 = 'IYnRq2SrDie9aV/eL9y40A==';
    const sts = ossStringToSign({ method: 'PUT', contentMd5: md5, date: DATE, headers: [['x-oss-date', DATE], ['content-md5', md5]], resource: '/mybucket/ch1', query: [['live', '']] });
    const expected = `PUT\n${md5}\n\n${DATE}\nx-oss-date:${DATE}\n/mybucket/ch1?live`;
    assert.equal(sts, expected);
    assert.equal(ossSignature(SECRET, sts), hmac(expected));
    assert.equal(ossSignature(SECRET, sts), '5KDbQ8B3BG1togBca1T2oxsR7PY=');
    // ali-oss: x-oss-date goes in the Date slot as well as in the OSS headers
    const sdk = signUtils.buildCanonicalString('PUT', '/mybucket/ch1', { headers: { 'x-oss-date': DATE, 'Content-MD5': md5 }, parameters: 'live' });
    assert.equal(sdk, expected);
    assert.equal(signUtils.computeSignature(SECRET, sdk), ossSignature(SECRET, sts));
  });
  it('POST /ch/v.m3u8?vod&startTime&endTime with a Content-Type: matches ali-oss createVod', () => {
    const ct = 'application/vnd.apple.mpegurl';
    const q: [string, string][] = [['startTime', '100'], ['endTime', '200'], ['vod', '']];
    const sts = ossStringToSign({ method: 'POST', contentType: ct, date: DATE, headers: [['x-oss-date', DATE]], resource: '/mybucket/ch1/v.m3u8', query: q });
    const expected = `POST\n\n${ct}\n${DATE}\nx-oss-date:${DATE}\n/mybucket/ch1/v.m3u8?endTime=200&startTime=100&vod`;
    assert.equal(sts, expected);
    assert.equal(ossSignature(SECRET, sts), hmac(expected));
    const sdk = signUtils.buildCanonicalString('POST', '/mybucket/ch1/v.m3u8', { headers: { 'x-oss-date': DATE, 'Content-Type': ct }, parameters: { vod: null, startTime: 100, endTime: 200 } });
    assert.equal(sdk, expected);
  });
  it('PUT ?live&status=disabled and GET ?live&comp=history match ali-oss', () => {
    for (const [method, params, q] of [
      ['PUT', { live: null, status: 'disabled' }, [['live', ''], ['status', 'disabled']]],
      ['GET', { live: null, comp: 'history' }, [['live', ''], ['comp', 'history']]],
    ] as const) {
      const sts = ossStringToSign({ method, date: DATE, headers: [['x-oss-date', DATE]], resource: '/mybucket/ch1', query: q as unknown as [string, string][] });
      assert.equal(sts, signUtils.buildCanonicalString(method, '/mybucket/ch1', { headers: { 'x-oss-date': DATE }, parameters: params }));
    }
  });
});

describe('OSS query form (OSSAccessKeyId / Expires / Signature)', () => {
  it('Expires takes the Date slot; matches ali-oss signatureUrl for GetVodPlaylist', () => {
    const q: [string, string][] = [['vod', ''], ['startTime', '100'], ['endTime', '200']];
    const sts = ossStringToSign({ method: 'GET', date: '1796353882', headers: [], resource: '/mybucket/ch1', query: q });
    const expected = 'GET\n\n\n1796353882\n/mybucket/ch1?endTime=200&startTime=100&vod';
    assert.equal(sts, expected);
    assert.equal(ossSignature(SECRET, sts), hmac(expected));
    const sdk = signUtils._signatureForURL(SECRET, { method: 'GET', subResource: { vod: null, startTime: 100, endTime: 200 } }, '/mybucket/ch1', 1796353882);
    assert.equal(sdk.Signature, ossSignature(SECRET, sts));
  });
});

describe('Authorization header parsing', () => {
  it('takes "OSS id:sig" and refuses other shapes', () => {
    assert.deepEqual(parseOssAuthorization('OSS AKID:ibs6tOPND5VcKOkE2cSYhHyB03k='), { accessKeyId: 'AKID', signature: 'ibs6tOPND5VcKOkE2cSYhHyB03k=' });
    assert.equal(parseOssAuthorization('OSS AKID'), undefined);
    assert.equal(parseOssAuthorization('AWS AKID:sig'), undefined);
    assert.equal(parseOssAuthorization('OSS :sig'), undefined);
  });
});

describe('bucket from virtual host or path', () => {
  it('virtual hosts with and without OSS_BASE_HOST', () => {
    assert.equal(bucketFromHost('mybucket.oss-cn-hangzhou.aliyuncs.com', []), 'mybucket');
    assert.equal(bucketFromHost('mybucket.oss.test:45821', ['oss.test']), 'mybucket');
    assert.equal(bucketFromHost('oss.test:45821', ['oss.test']), undefined);
    assert.equal(bucketFromHost('gw.example.com', ['oss.test']), undefined);
    for (const h of ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080', 'gateway']) assert.equal(bucketFromHost(h, []), undefined, h);
  });
  it('resolves bucket and object; path style when the host names no bucket', () => {
    assert.deepEqual(resolveOssTarget({ host: 'bk1.oss.test', rawPath: '/ch1', baseHosts: ['oss.test'] }), { ok: true, bucket: 'bk1', object: 'ch1', style: 'vhost' });
    assert.deepEqual(resolveOssTarget({ host: 'bk1.oss.test', rawPath: '/', baseHosts: ['oss.test'] }), { ok: true, bucket: 'bk1', object: '', style: 'vhost' });
    assert.deepEqual(resolveOssTarget({ host: '127.0.0.1:9', rawPath: '/bk1/ch1/v.m3u8', baseHosts: [] }), { ok: true, bucket: 'bk1', object: 'ch1/v.m3u8', style: 'path' });
    assert.deepEqual(resolveOssTarget({ host: '127.0.0.1:9', rawPath: '/bk1/', baseHosts: [] }), { ok: true, bucket: 'bk1', object: '', style: 'path' });
    assert.deepEqual(resolveOssTarget({ host: '127.0.0.1:9', rawPath: '/bk1', baseHosts: [] }), { ok: true, bucket: 'bk1', object: '', style: 'path' });
    const bad = resolveOssTarget({ host: '127.0.0.1', rawPath: '/', baseHosts: [] });
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.code, 'InvalidBucketName');
    const enc = resolveOssTarget({ host: '127.0.0.1', rawPath: '/bk1/%zz', baseHosts: [] });
    assert.equal(!enc.ok && enc.code, 'InvalidURI');
  });
});
