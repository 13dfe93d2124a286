/**
 * @module test/integration/storage-contract
 * One behaviour contract run against every Storage adapter: local disk (temp dir) and a real S3 (RGW, when TEST_S3_ENDPOINT is set).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import {
  createLocalDiskStorage, createS3Client, createS3Storage, NoSuchBucketError, NotFoundError, RangeNotSatisfiableError,
  type S3StorageOptions, type Storage,
} from '../../app/storage/index.ts';

const md5 = (b: Uint8Array) => `"${createHash('md5').update(b).digest('hex')}"`;
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const uniqueBucket = () => `contract-${randomBytes(5).toString('hex')}`;

/** runs fn over items with at most `limit` in flight */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

async function listAll(s: Storage, bucket: string, prefix: string, maxKeys?: number): Promise<{ keys: string[]; pageSizes: number[] }> {
  const keys: string[] = [];
  const pageSizes: number[] = [];
  let marker: string | undefined;
  do {
    const page = await s.list(bucket, prefix, marker, maxKeys);
    pageSizes.push(page.entries.length);
    keys.push(...page.entries.map((e) => e.key));
    if (page.nextMarker) assert.equal(page.nextMarker, page.entries.at(-1)?.key, 'nextMarker is the last key of its page');
    marker = page.nextMarker;
  } while (marker);
  return { keys, pageSizes };
}

/** a page holds at most maxKeys (RGW may send fewer while truncated), continues `rest` in order, and says when more follow */
function assertPage(page: Awaited<ReturnType<Storage['list']>>, rest: string[], maxKeys: number): void {
  const n = page.entries.length;
  assert.ok(n >= 1 && n <= maxKeys, `page of ${n} keys, max ${maxKeys}`);
  assert.deepEqual(page.entries.map((e) => e.key), rest.slice(0, n));
  assert.equal(page.nextMarker, n < rest.length ? rest[n - 1] : undefined);
}

interface Subject { storage: Storage; bucket: string }

function storageContract(make: () => Promise<Subject>) {
  let s: Storage;
  let bucket: string;
  const payload = new Uint8Array(Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff)); // every value distinct in 0-9 / last 5

  before(async () => {
    ({ storage: s, bucket } = await make());
    await s.check();
    await s.ensureBucket(bucket);
    await s.ensureBucket(bucket); // idempotent
  });

  it('round-trips bytes, etag (quoted md5), content type, cache control and metadata', async () => {
    const body = new Uint8Array(randomBytes(64 * 1024));
    const put = await s.put(bucket, 'live/ch1/1700000000000.ts', body, {
      contentType: 'video/mp2t', metadata: { extinf: '6.016' }, cacheControl: 'max-age=31536000, immutable',
    });
    assert.equal(put.etag, md5(body));
    const got = await s.get(bucket, 'live/ch1/1700000000000.ts');
    assert.deepEqual(Buffer.from(got.body), Buffer.from(body));
    assert.equal(got.key, 'live/ch1/1700000000000.ts');
    assert.equal(got.size, body.length);
    assert.equal(got.etag, md5(body));
    assert.equal(got.contentType, 'video/mp2t');
    assert.equal(got.cacheControl, 'max-age=31536000, immutable');
    assert.deepEqual(got.metadata, { extinf: '6.016' });
    assert.equal(got.range, undefined);
    assert.ok(Math.abs(got.lastModified.getTime() - Date.now()) < 5 * 60_000, `lastModified ${got.lastModified.toISOString()}`);
  });

  it('head describes the object without a body; absent cacheControl stays absent', async () => {
    await s.put(bucket, 'h/playlist.m3u8', bytes('#EXTM3U\n'), { contentType: 'application/vnd.apple.mpegurl' });
    const info = await s.head(bucket, 'h/playlist.m3u8');
    assert.equal(info.size, 8);
    assert.equal(info.etag, md5(bytes('#EXTM3U\n')));
    assert.equal(info.contentType, 'application/vnd.apple.mpegurl');
    assert.equal(info.cacheControl, undefined);
    assert.deepEqual(info.metadata, {});
    assert.equal('body' in info, false);
  });

  it('overwrites replace content and metadata; concurrent writers leave one consistent version', async () => {
    await s.put(bucket, 'ow/k', bytes('first'), { contentType: 'text/plain', metadata: { v: '1' } });
    await s.put(bucket, 'ow/k', bytes('second!'), { contentType: 'text/csv', metadata: { v: '2' } });
    const got = await s.get(bucket, 'ow/k');
    assert.equal(text(got.body), 'second!');
    assert.equal(got.contentType, 'text/csv');
    assert.deepEqual(got.metadata, { v: '2' });
    const versions = Array.from({ length: 16 }, (_, i) => bytes(`version ${i} `.repeat(i + 1)));
    await Promise.all(versions.map((b, i) => s.put(bucket, 'ow/race', b, { contentType: 'text/plain', metadata: { v: String(i) } })));
    const last = await s.get(bucket, 'ow/race');
    assert.equal(last.etag, md5(last.body), 'etag belongs to the body served');
    assert.deepEqual(Buffer.from(last.body), Buffer.from(versions[Number(last.metadata.v)]), 'metadata belongs to the body served');
  });

  it('keys that look like sidecars or temp files are ordinary keys', async () => {
    const keys = ['sc/a', 'sc/a.json/x', '.meta/x', '.tmp/y'];
    for (const [i, k] of keys.entries()) await s.put(bucket, k, bytes(k), { contentType: 'text/plain', metadata: { n: String(i) } });
    for (const [i, k] of keys.entries()) {
      const got = await s.get(bucket, k);
      assert.equal(text(got.body), k);
      assert.deepEqual(got.metadata, { n: String(i) });
    }
    assert.deepEqual((await s.list(bucket, '.')).entries.map((e) => e.key), ['.meta/x', '.tmp/y']);
    await s.delete(bucket, keys);
  });

  describe('ranges', () => {
    before(() => s.put(bucket, 'r/obj', payload, { contentType: 'application/octet-stream' }));
    const cases: [string, Parameters<Storage['get']>[2], number, number][] = [
      ['0-9', { start: 0, end: 9 }, 0, 9],
      ['open-ended 90-', { start: 90 }, 90, 99],
      ['suffix 5', { suffix: 5 }, 95, 99],
      ['end clamped 95-1000', { start: 95, end: 1000 }, 95, 99],
      ['suffix longer than the object', { suffix: 500 }, 0, 99],
      ['last byte 99-99', { start: 99, end: 99 }, 99, 99],
    ];
    for (const [name, range, start, end] of cases) {
      it(`${name} -> bytes ${start}-${end}`, async () => {
        const got = await s.get(bucket, 'r/obj', range);
        assert.deepEqual(Buffer.from(got.body), Buffer.from(payload.subarray(start, end + 1)));
        assert.deepEqual(got.range, { start, end, total: 100 });
        assert.equal(got.size, 100);
        assert.equal(got.etag, md5(payload), 'etag of the whole object');
      });
    }
    it('past-the-end start, zero suffix and any range of an empty object are not satisfiable', async () => {
      for (const range of [{ start: 100 }, { start: 1000, end: 2000 }, { suffix: 0 }]) {
        await assert.rejects(s.get(bucket, 'r/obj', range), (e) => e instanceof RangeNotSatisfiableError && e.size === 100, JSON.stringify(range));
      }
      await s.put(bucket, 'r/empty', new Uint8Array(0), { contentType: 'text/plain' });
      assert.equal((await s.get(bucket, 'r/empty')).body.length, 0);
      await assert.rejects(s.get(bucket, 'r/empty', { start: 0 }), RangeNotSatisfiableError);
      await assert.rejects(s.get(bucket, 'r/empty', { suffix: 5 }), RangeNotSatisfiableError);
    });
    it('malformed ranges are caller errors', async () => {
      await assert.rejects(s.get(bucket, 'r/obj', { start: 5, end: 2 }), RangeError);
      await assert.rejects(s.get(bucket, 'r/obj', { start: -1 }), RangeError);
    });
  });

  it('missing objects and buckets', async () => {
    await assert.rejects(s.get(bucket, 'nope/x.ts'), (e) => e instanceof NotFoundError && e.bucket === bucket && e.key === 'nope/x.ts');
    await assert.rejects(s.head(bucket, 'nope/x.ts'), NotFoundError);
    await assert.rejects(s.get(bucket, 'nope/x.ts', { start: 0, end: 1 }), NotFoundError);
    const ghost = uniqueBucket();
    // a typed error: the upload queue creates the bucket when it sees one
    await assert.rejects(s.put(ghost, 'k', bytes('x'), { contentType: 'text/plain' }), (e) => e instanceof NoSuchBucketError && e.bucket === ghost);
    await assert.rejects(s.list(ghost, ''), NoSuchBucketError);
  });

  it('lists keys under a prefix in UTF-8 byte order', async () => {
    const keys = ['o/a0', 'o/a/b', 'o/a.b', 'o/a-b', 'o/z', 'o/é', 'o/\u{ff01}', 'o/\u{1f600}', 'o/.hidden', 'ox', 'o'];
    await pool(keys, 8, (k) => s.put(bucket, k, bytes(k), { contentType: 'text/plain' }).catch((e) => {
      // "o" next to "o/…" is legal S3 but impossible in a file tree: local disk refuses it, nothing else may fail
      if (!(k === 'o' && /prefix of another key/.test(e.message))) throw e;
    }));
    const byteOrder = ['o/.hidden', 'o/a-b', 'o/a.b', 'o/a/b', 'o/a0', 'o/z', 'o/é', 'o/\u{ff01}', 'o/\u{1f600}'];
    assert.deepEqual((await s.list(bucket, 'o/')).entries.map((e) => e.key), byteOrder);
    assert.deepEqual((await s.list(bucket, 'o/a')).entries.map((e) => e.key), byteOrder.slice(1, 5));
    assert.deepEqual((await s.list(bucket, 'o/a.')).entries.map((e) => e.key), ['o/a.b']);
    assert.deepEqual((await s.list(bucket, 'o/', 'o/a.b')).entries.map((e) => e.key), byteOrder.slice(3));
    assert.deepEqual((await s.list(bucket, 'o/q')).entries, []);
    const [first] = (await s.list(bucket, 'o/z')).entries;
    assert.equal(first.size, 3);
    assert.ok(first.lastModified instanceof Date);
  });

  describe('pagination over 1,050 keys', () => {
    const keys = Array.from({ length: 1050 }, (_, i) => `many/${String(i).padStart(5, '0')}.ts`);
    before(async () => {
      await pool([...keys, 'man', 'manz/1', 'many0'], 32, (k) => s.put(bucket, k, bytes(k), { contentType: 'video/mp2t' }));
    });
    it('pages of at most 1000 by default, all keys in order, nextMarker only while truncated', async () => {
      const p1 = await s.list(bucket, 'many/');
      assertPage(p1, keys, 1000);
      assert.ok(p1.nextMarker, 'truncated');
      assertPage(await s.list(bucket, 'many/', p1.nextMarker), keys.slice(keys.indexOf(p1.nextMarker!) + 1), 1000);
      const all = await listAll(s, bucket, 'many/');
      assert.deepEqual(all.keys, keys);
      assert.ok(all.pageSizes.length >= 2 && Math.max(...all.pageSizes) <= 1000, `page sizes ${all.pageSizes}`);
    });
    it('marker semantics: strictly after the marker, which need not exist', async () => {
      assertPage(await s.list(bucket, 'many/', 'many/00500.ts', 10), keys.slice(501), 10);
      assertPage(await s.list(bucket, 'many/', 'many/005', 3), keys.slice(500), 3);
      assertPage(await s.list(bucket, 'many/', 'many/01047.ts', 5), keys.slice(1048), 5);
      assert.deepEqual(await s.list(bucket, 'many/', 'many/99999'), { entries: [] });
      assert.deepEqual((await listAll(s, bucket, 'many/', 50)).keys, keys, 'small pages cover everything');
    });
    it('a prefix is a plain string prefix, not a directory', async () => {
      const { keys: got } = await listAll(s, bucket, 'man');
      assert.deepEqual(got, ['man', 'manz/1', ...keys, 'many0'].sort());
    });
    it('delete removes many keys in one call', async () => {
      await s.delete(bucket, keys);
      assert.deepEqual((await s.list(bucket, 'many/')).entries, []);
    });
  });

  it('delete removes objects; missing keys and empty lists are fine', async () => {
    await s.put(bucket, 'd/1', bytes('1'), { contentType: 'text/plain' });
    await s.put(bucket, 'd/2', bytes('2'), { contentType: 'text/plain' });
    await s.delete(bucket, ['d/1', 'd/never-existed']);
    await s.delete(bucket, []);
    await assert.rejects(s.head(bucket, 'd/1'), NotFoundError);
    assert.deepEqual((await s.list(bucket, 'd/')).entries.map((e) => e.key), ['d/2']);
    await s.put(bucket, 'd/1', bytes('again'), { contentType: 'text/plain' }); // a deleted key can be written again
    assert.equal(text((await s.get(bucket, 'd/1')).body), 'again');
  });

  it('refuses bad keys, bucket names and metadata S3 could not carry, before any I/O', async () => {
    for (const key of ['a/../b', '../escape', '/abs', 'a//b', 'a\0b', 'a\\b', '', 'dir/', 'x/./y', '..']) {
      await assert.rejects(s.put(bucket, key, bytes('x'), { contentType: 'text/plain' }), /invalid object key/, JSON.stringify(key));
      await assert.rejects(s.get(bucket, key), /invalid object key/, JSON.stringify(key));
      await assert.rejects(s.delete(bucket, [key]), /invalid object key/, JSON.stringify(key));
    }
    for (const metadata of [{ extinf: 'é' }, { 'Ext Inf': '1' }, { extinf: 'a\nb' }] as Record<string, string>[]) {
      await assert.rejects(s.put(bucket, 'meta/bad', bytes('x'), { contentType: 'text/plain', metadata }), /invalid metadata/, JSON.stringify(metadata));
    }
    for (const b of ['ab', 'Upper', 'a_b', '../x', '.meta', 'a..b', '192.168.1.1', 'x'.repeat(64)]) {
      await assert.rejects(s.ensureBucket(b), /invalid bucket name/, b);
      await assert.rejects(s.put(b, 'k', bytes('x'), { contentType: 'text/plain' }), /invalid bucket name/, b);
    }
  });
}

/** the whole tree under dir, for "nothing was written" checks */
async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

describe('storage contract: local disk', () => {
  let root: string;
  const bucket = uniqueBucket();
  after(() => rm(root, { recursive: true, force: true }));
  storageContract(async () => {
    root = await mkdtemp(join(tmpdir(), 'storage-contract-'));
    return { storage: createLocalDiskStorage(join(root, 'objects')), bucket };
  });

  it('bad keys leave the disk untouched; sidecars and temp files never show as keys', async () => {
    const s = createLocalDiskStorage(join(root, 'objects'));
    const before = await tree(root);
    for (const key of ['a/../b', '../../escape', '/abs', 'a//b', 'nul\0byte']) {
      await assert.rejects(s.put(bucket, key, bytes('x'), { contentType: 'text/plain' }), /invalid object key/);
    }
    await assert.rejects(s.put('../escape', 'k', bytes('x'), { contentType: 'text/plain' }), /invalid bucket name/);
    assert.deepEqual(await tree(root), before);
    const { keys } = await listAll(s, bucket, '');
    assert.ok(keys.length > 0 && keys.every((k) => !k.startsWith('.meta') && !k.startsWith('.tmp')), keys.join(','));
  });

  it('a key that is also a prefix of another is refused with a clear error', async () => {
    const s = createLocalDiskStorage(join(root, 'objects'));
    await s.put(bucket, 'px/a', bytes('1'), { contentType: 'text/plain' });
    await assert.rejects(s.put(bucket, 'px', bytes('2'), { contentType: 'text/plain' }), /is also the prefix of another key/);
    await assert.rejects(s.put(bucket, 'px/a/b', bytes('3'), { contentType: 'text/plain' }), /is also the prefix of another key/);
    assert.equal(text((await s.get(bucket, 'px/a')).body), '1');
  });

  it('a missing or stale sidecar (crash between renames, restored copy) still serves every byte', async () => {
    const s = createLocalDiskStorage(join(root, 'objects'));
    const body = bytes('0123456789'.repeat(100));
    const { etag } = await s.put(bucket, 'fb/seg.ts', body, { contentType: 'video/mp2t', metadata: { extinf: '2.000' } });
    const side = join(root, 'objects', '.meta', bucket, 'fb', 'seg.ts');
    // a copy that keeps mtimes (cp -a, rsync -a) gives new inodes: the sidecar still matches
    const copy = join(root, 'objects', bucket, 'fb', 'seg.ts');
    execFileSync('cp', ['-a', copy, copy + '.new']);
    await rename(copy + '.new', copy);
    const kept = await s.get(bucket, 'fb/seg.ts');
    assert.equal(kept.metadata.extinf, '2.000');
    assert.equal(kept.body.length, 1000);
    await rm(side);
    const got = await s.get(bucket, 'fb/seg.ts');
    assert.equal(got.body.length, 1000, 'the etag fallback must not consume the body');
    assert.deepEqual(got.body, body);
    assert.equal(got.etag, etag);
    assert.equal(got.contentType, 'application/octet-stream');
  });

  it('check() names the root that cannot be written', async () => {
    await writeFile(join(root, 'a-file'), 'x');
    await assert.rejects(createLocalDiskStorage(join(root, 'a-file', 'objects')).check(), /local storage .*a-file.* is not writable/);
  });
});

const env = process.env;
const s3Opts: S3StorageOptions | undefined = env.TEST_S3_ENDPOINT ? {
  endpoint: env.TEST_S3_ENDPOINT, region: 'us-east-1', forcePathStyle: true,
  accessKeyId: env.TEST_S3_ACCESS_KEY ?? 'testkey', secretAccessKey: env.TEST_S3_SECRET_KEY ?? 'testsecret',
} : undefined;
const noS3 = s3Opts ? false : 'TEST_S3_ENDPOINT not set (scripts/test.sh starts RGW; or run scripts/rgw-start.sh)';

describe('storage contract: S3 (RGW)', { skip: noS3 }, () => {
  const bucket = uniqueBucket();
  storageContract(async () => ({ storage: createS3Storage(s3Opts!), bucket }));
  after(async () => {
    if (!s3Opts) return;
    const s = createS3Storage(s3Opts);
    await s.delete(bucket, (await listAll(s, bucket, '')).keys).catch(() => {});
    await createS3Client(s3Opts).send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
  });
});

describe('S3 check() fails fast with one line', () => {
  const base = { region: 'us-east-1', forcePathStyle: true, accessKeyId: 'testkey', secretAccessKey: 'testsecret' };
  it('unreachable endpoint', async () => {
    const t0 = Date.now();
    await assert.rejects(createS3Storage({ ...base, endpoint: 'http://127.0.0.1:1' }).check(),
      { message: 'S3 endpoint http://127.0.0.1:1 unreachable: connect ECONNREFUSED' });
    assert.ok(Date.now() - t0 < 3000);
  });
  it('rejected credentials', { skip: noS3 }, async () => {
    await assert.rejects(createS3Storage({ ...s3Opts!, accessKeyId: 'no-such-key' }).check(),
      { message: `S3 credentials rejected by ${s3Opts!.endpoint}: InvalidAccessKeyId` });
    await assert.rejects(createS3Storage({ ...s3Opts!, secretAccessKey: 'wrong' }).check(),
      { message: `S3 credentials rejected by ${s3Opts!.endpoint}: SignatureDoesNotMatch` });
  });
});

// needs the data dir of the RGW started for this run (scripts/test.sh exports it): stops and restarts radosgw only
describe('RGW outage: objects survive a radosgw restart', { skip: s3Opts && env.TEST_RGW_DATA ? false : 'needs TEST_S3_ENDPOINT and TEST_RGW_DATA' }, () => {
  const ctl = (cmd: string) => execFileSync('bash', ['scripts/rgw-ctl.sh', env.TEST_RGW_DATA!, cmd], { stdio: ['ignore', 'ignore', 'pipe'] });
  const bucket = uniqueBucket();
  after(() => { ctl('start-rgw'); });
  it('stop-rgw makes the store unreachable, start-rgw brings the same objects back', async () => {
    const s = createS3Storage(s3Opts!);
    await s.ensureBucket(bucket);
    await s.put(bucket, 'keep/me.ts', payloadOf(4096), { contentType: 'video/mp2t', metadata: { extinf: '6.016' } });
    ctl('stop-rgw');
    await assert.rejects(s.check(), /unreachable: connect ECONNREFUSED/);
    await assert.rejects(s.head(bucket, 'keep/me.ts'), /ECONNREFUSED/);
    ctl('start-rgw');
    await s.check();
    const got = await s.get(bucket, 'keep/me.ts');
    assert.deepEqual(Buffer.from(got.body), Buffer.from(payloadOf(4096)));
    assert.equal(got.metadata.extinf, '6.016');
    await s.delete(bucket, ['keep/me.ts']);
    await createS3Client(s3Opts!).send(new DeleteBucketCommand({ Bucket: bucket }));
  });
});

function payloadOf(n: number): Uint8Array {
  return new Uint8Array(Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff));
}
