/** S3 V4 presigned-URL verification against URLs made by the real AWS SDK presigner. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { S3Client, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { verifyV4, parseQuery, awsUriEncode, v4CanonicalUri, v4CanonicalQuery } from '../../app/core/signing/index.ts';

const AK = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SIGNED_AT = Date.parse('2026-08-01T12:00:00Z') / 1000;
const HOST = 'gw.example:8080';

async function presign(key: string, o: { expiresIn?: number; head?: boolean; bucket?: string } = {}): Promise<URL> {
  const client = new S3Client({ endpoint: `http://${HOST}`, region: 'eu-west-3', forcePathStyle: true, credentials: { accessKeyId: AK, secretAccessKey: SECRET } });
  const cmd = o.head ? new HeadObjectCommand({ Bucket: o.bucket ?? 'b-one', Key: key }) : new GetObjectCommand({ Bucket: o.bucket ?? 'b-one', Key: key });
  return new URL(await getSignedUrl(client, cmd, { expiresIn: o.expiresIn ?? 600, signingDate: new Date(SIGNED_AT * 1000) }));
}

function check(url: URL | string, over: Partial<Parameters<typeof verifyV4>[0]> = {}) {
  const u = typeof url === 'string' ? new URL(url) : url;
  const q = parseQuery(u.search);
  assert.ok(q.ok);
  const [, bucket, ...rest] = decodeURIComponent(u.pathname).split('/');
  return verifyV4({
    params: q.params, bucket: bucket!, key: rest.join('/'), method: 'GET', header: (n) => (n === 'host' ? u.host : undefined),
    nowSec: SIGNED_AT + 10, secretFor: (id) => (id === AK ? SECRET : undefined), ...over,
  });
}

describe('S3 V4 presigned URL verification', () => {
  it('accepts a URL from @aws-sdk/s3-request-presigner', async () => {
    const url = await presign('ch1/1796333742744.ts');
    assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'host');
    assert.equal(url.searchParams.get('X-Amz-Content-Sha256'), 'UNSIGNED-PAYLOAD');
    assert.deepEqual(check(url), { ok: true, accessKeyId: AK, expiresSec: SIGNED_AT + 600 });
    assert.deepEqual(check(url, { method: 'HEAD' }), { ok: true, accessKeyId: AK, expiresSec: SIGNED_AT + 600 });
    const pl = await presign('ch1/playlist.m3u8', { expiresIn: 604800 });
    assert.equal(check(pl, { nowSec: SIGNED_AT + 604800 }).ok, true);
  });

  it('accepts a presigned HEAD for HEAD and refuses it for GET', async () => {
    const url = await presign('ch1/playlist.m3u8', { head: true });
    assert.equal(check(url, { method: 'HEAD' }).ok, true);
    assert.equal((check(url) as { code: string }).code, 'signature-mismatch');
  });

  it('pins one exact vector (SDK output for a fixed key pair and time)', () => {
    const fixed = 'http://gw.example:8080/b-one/ch1/1796333742744.ts?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=AKIDEXAMPLE%2F20260801%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260801T120000Z&X-Amz-Expires=600&X-Amz-Signature=15586f9513909f977346f80b43bd43103f0fca935d55cb0e3e08d5e6bfdd97b6&X-Amz-SignedHeaders=host&x-amz-checksum-mode=ENABLED&x-id=GetObject';
    assert.deepEqual(check(fixed), { ok: true, accessKeyId: AK, expiresSec: SIGNED_AT + 600 });
  });

  it('refuses tampered, expired, foreign and malformed URLs with a code', async () => {
    const url = await presign('ch1/1796333742744.ts');
    const code = (u: URL | string, over: Partial<Parameters<typeof verifyV4>[0]> = {}) => {
      const r = check(u, over);
      return r.ok ? 'ok' : r.code;
    };
    const edit = (f: (p: URLSearchParams) => void) => {
      const u = new URL(url);
      f(u.searchParams);
      return u;
    };
    const sig = url.searchParams.get('X-Amz-Signature')!;
    assert.equal(code(edit((p) => p.set('X-Amz-Signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1)))), 'signature-mismatch');
    assert.equal(code(edit((p) => p.set('X-Amz-Expires', '601'))), 'signature-mismatch');
    assert.equal(code(edit((p) => p.set('extra', '1'))), 'signature-mismatch');
    assert.equal(code(url, { key: 'ch1/1796333742745.ts' }), 'signature-mismatch');
    assert.equal(code(url, { bucket: 'b-two' }), 'signature-mismatch');
    assert.equal(code(url, { header: () => 'evil.example:8080' }), 'signature-mismatch');
    assert.equal(code(url, { nowSec: SIGNED_AT + 601 }), 'expired');
    assert.equal(code(url, { nowSec: SIGNED_AT - 3600 }), 'not-yet-valid');
    assert.equal(code(url, { secretFor: () => undefined }), 'unknown-key');
    assert.equal(code(url, { secretFor: () => 'another-secret' }), 'signature-mismatch');
    for (const bad of ['', 'abc', '0', '604801', '1.5', '-1'])
      assert.equal(code(edit((p) => p.set('X-Amz-Expires', bad))), 'expires-malformed', bad);
    assert.equal(code(edit((p) => p.set('X-Amz-Algorithm', 'AWS4-HMAC-SHA1'))), 'malformed');
    assert.equal(code(edit((p) => p.set('X-Amz-Credential', `${AK}/20260801/us-east-1/ec2/aws4_request`))), 'malformed');
    assert.equal(code(edit((p) => p.set('X-Amz-Date', '20260802T120000Z'))), 'malformed');
    assert.equal(code(edit((p) => p.set('X-Amz-Date', '20260801T250000Z'))), 'malformed');
    assert.equal(code(edit((p) => p.set('X-Amz-SignedHeaders', 'x-amz-date'))), 'malformed');
    assert.equal(code(edit((p) => p.set('X-Amz-Signature', 'zz'))), 'malformed');
  });

  it('encodes canonical parts as S3 does', () => {
    assert.equal(awsUriEncode("a b+c/d~e*f!'()"), "a%20b%2Bc%2Fd~e%2Af%21%27%28%29");
    assert.equal(v4CanonicalUri('b-one', 'ch 1/x+y.ts'), '/b-one/ch%201/x%2By.ts');
    assert.equal(v4CanonicalQuery(new Map([['b', '2'], ['X-Amz-Signature', 'x'], ['a', 'x/y']])), 'a=x%2Fy&b=2');
  });
});
