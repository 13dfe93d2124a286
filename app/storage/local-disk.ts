/**
 * @module storage/local-disk
 * The embedded Storage: objects as plain files at <root>/<bucket>/<key>; metadata as JSON at <root>/.meta/<bucket>/<key>.
 *
 * The sidecar tree mirrors the object tree exactly, so it can only clash where the object tree itself would; temp
 * files go to <root>/.tmp. Both start with a dot, which no valid bucket name does. A file tree cannot hold a key that
 * is also the prefix of another ("a" and "a/b", legal on S3): such a put is refused with a clear error.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  NoSuchBucketError, NotFoundError, RangeNotSatisfiableError,
  type ByteRange, type GetResult, type ListEntry, type ObjectInfo, type PutOptions, type Storage,
} from './types.ts';

const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** S3 bucket naming rules; also what keeps a bucket name from ever being a path trick */
export function assertValidBucket(bucket: string): void {
  if (!BUCKET_RE.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    throw new Error(`invalid bucket name ${JSON.stringify(bucket)}: 3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit`);
  }
}

/** keys are '/'-separated names; anything a file system would reinterpret is refused */
export function assertValidKey(key: string): void {
  const bad = (why: string) => new Error(`invalid object key ${JSON.stringify(key)}: ${why}`);
  if (typeof key !== 'string' || key.length === 0) throw bad('empty');
  if (Buffer.byteLength(key) > 1024) throw bad('longer than 1024 bytes');
  if (key.includes('\0')) throw bad('contains NUL');
  if (key.includes('\\')) throw bad('contains a backslash');
  if (key.startsWith('/')) throw bad('starts with /');
  for (const seg of key.split('/')) {
    if (seg === '') throw bad('has an empty path segment');
    if (seg === '.' || seg === '..') throw bad(`has a "${seg}" path segment`);
  }
}

/** metadata must survive the trip through HTTP headers on S3, so the embedded store refuses what S3 could not carry */
export function assertValidMetadata(metadata: Record<string, string>): void {
  for (const [name, value] of Object.entries(metadata)) {
    if (!/^[a-z0-9_-]+$/.test(name)) throw new Error(`invalid metadata name ${JSON.stringify(name)}: lowercase letters, digits, - and _`);
    if (!/^[\x20-\x7e]*$/.test(value)) throw new Error(`invalid metadata value for ${name}: printable ASCII only`);
  }
}

/** S3 orders keys by their UTF-8 bytes; JS string order differs for astral characters */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** a malformed range is a caller bug, not a 416: refused before any I/O */
export function assertValidRange(range: ByteRange): void {
  if ('suffix' in range) {
    if (!Number.isSafeInteger(range.suffix) || range.suffix < 0) throw new RangeError(`invalid suffix range -${range.suffix}`);
    return;
  }
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new RangeError(`invalid byte range ${start}-${end ?? ''}`);
  }
}

/** resolves a range against the object size as S3 does: end clamped, a suffix longer than the object means all of it */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  assertValidRange(range);
  if ('suffix' in range) {
    // RFC 9110: a zero-length suffix, or any range of an empty object, is unsatisfiable
    if (range.suffix === 0 || size === 0) throw new RangeNotSatisfiableError(size);
    return { start: Math.max(0, size - range.suffix), end: size - 1 };
  }
  if (range.start >= size) throw new RangeNotSatisfiableError(size);
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

export function assertValidMaxKeys(maxKeys: number): void {
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1 || maxKeys > 1000) throw new RangeError(`maxKeys must be 1-1000, got ${maxKeys}`);
}

interface Sidecar {
  contentType: string;
  metadata: Record<string, string>;
  cacheControl?: string;
  etag: string;
  /** identity of the object file this describes (inode, size, mtime): a reader can tell a stale sidecar */
  stamp: string;
}

// size + mtime (ns), not the inode: a copied or restored data dir (cp -a, rsync -a) keeps its sidecars valid
const stampOf = (st: { size: bigint; mtimeNs: bigint }) => `${st.size}:${st.mtimeNs}`;

/** positional reads: a FileHandle's readFile() continues from the handle's position, so a second one returns nothing */
async function readAt(fh: FileHandle, start: number, length: number): Promise<Uint8Array> {
  const body = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(body, done, length - done, start + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return body.subarray(0, done);
}
const isErrno = (err: unknown, ...codes: string[]) => codes.includes((err as NodeJS.ErrnoException)?.code ?? '');

export function createLocalDiskStorage(root: string): Storage {
  const tmpDir = join(root, '.tmp');
  const objectPath = (bucket: string, key: string) => join(root, bucket, ...key.split('/'));
  const sidecarPath = (bucket: string, key: string) => join(root, '.meta', bucket, ...key.split('/'));
  // object and sidecar are two renames: writers of one key take turns so the pair always comes from one put
  const locks = new Map<string, Promise<unknown>>();

  function withKeyLock<T>(bucket: string, key: string, fn: () => Promise<T>): Promise<T> {
    const id = `${bucket}/${key}`;
    const run = (locks.get(id) ?? Promise.resolve()).catch(() => {}).then(fn);
    locks.set(id, run);
    return run.finally(() => { if (locks.get(id) === run) locks.delete(id); });
  }

  async function assertBucketExists(bucket: string): Promise<void> {
    assertValidBucket(bucket);
    const st = await stat(join(root, bucket)).catch(() => undefined);
    if (!st?.isDirectory()) throw new NoSuchBucketError(bucket);
  }

  /** writes bytes to a fresh temp file and fsyncs it, so that a rename publishes complete content only */
  async function writeTemp(data: Uint8Array | string): Promise<{ path: string; stamp: string }> {
    const path = join(tmpDir, `${Date.now()}-${randomBytes(6).toString('hex')}`);
    await mkdir(tmpDir, { recursive: true });
    const fh = await open(path, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
      return { path, stamp: stampOf(await fh.stat({ bigint: true })) };
    } finally {
      await fh.close();
    }
  }

  /** rename into place, creating parents; retried because a concurrent delete may prune an empty parent */
  async function publish(tmp: string, dest: string, bucket: string, key: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(dirname(dest), { recursive: true });
        await rename(tmp, dest);
        return;
      } catch (err) {
        if (isErrno(err, 'ENOENT') && attempt < 3) continue;
        if (isErrno(err, 'EISDIR') && attempt < 3 && (await rmdir(dest).then(() => true, () => false))) continue;
        await unlink(tmp).catch(() => {});
        if (isErrno(err, 'EISDIR', 'ENOTDIR', 'EEXIST', 'ENOTEMPTY')) {
          throw new Error(`cannot store ${bucket}/${key} on local disk: a key is also the prefix of another key (a file cannot be a directory too)`);
        }
        throw err;
      }
    }
  }

  /** removes now-empty parent directories up to (not including) stopAt */
  async function pruneEmptyParents(path: string, stopAt: string): Promise<void> {
    for (let dir = dirname(path); dir.length > stopAt.length && dir.startsWith(stopAt); dir = dirname(dir)) {
      if (!(await rmdir(dir).then(() => true, () => false))) return;
    }
  }

  async function openObject(bucket: string, key: string): Promise<FileHandle> {
    assertValidKey(key);
    await assertBucketExists(bucket);
    try {
      return await open(objectPath(bucket, key), 'r');
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR', 'EISDIR')) throw new NotFoundError(bucket, key);
      throw err;
    }
  }

  /** the sidecar matching the open file; a reader may land between the object and sidecar renames, so wait briefly */
  async function describeOpen(fh: FileHandle, bucket: string, key: string): Promise<ObjectInfo> {
    const st = await fh.stat({ bigint: true });
    if (st.isDirectory()) throw new NotFoundError(bucket, key);
    const stamp = stampOf(st);
    let side: Sidecar | undefined;
    for (let attempt = 0; attempt < 8; attempt++) {
      side = await readFile(sidecarPath(bucket, key), 'utf8').then((t) => JSON.parse(t) as Sidecar, () => undefined);
      if (side?.stamp === stamp) break;
      side = undefined;
      await sleep(2 ** attempt);
    }
    // no matching sidecar (a crash between the two renames): serve the bytes with what can be derived from them
    const fallback: Omit<Sidecar, 'stamp'> = side ?? {
      contentType: 'application/octet-stream', metadata: {},
      etag: `"${createHash('md5').update(await readAt(fh, 0, Number(st.size))).digest('hex')}"`,
    };
    return {
      key, size: Number(st.size), lastModified: new Date(Number(st.mtimeMs)), etag: fallback.etag,
      contentType: fallback.contentType, metadata: { ...fallback.metadata },
      ...(fallback.cacheControl !== undefined ? { cacheControl: fallback.cacheControl } : {}),
    };
  }

  /** keys under prefix after marker in byte order, walking directories sorted as their keys sort */
  async function* walk(dir: string, keyBase: string, prefix: string, marker: string | undefined): AsyncGenerator<ListEntry> {
    const dirents = await readdir(dir, { withFileTypes: true }).catch((err) => {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return [];
      throw err;
    });
    // a directory sorts as "name/": that is where all keys below it sort
    const items = dirents
      .filter((d) => d.isFile() || d.isDirectory())
      .map((d) => ({ name: d.name, isDir: d.isDirectory(), sortKey: keyBase + d.name + (d.isDirectory() ? '/' : '') }))
      .sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const it of items) {
      const k = it.sortKey;
      if (it.isDir) {
        if (!k.startsWith(prefix) && !prefix.startsWith(k)) continue;
        // every key below sorts before the marker unless the marker itself lies below
        if (marker !== undefined && compareKeys(k, marker) < 0 && !marker.startsWith(k)) continue;
        yield* walk(join(dir, it.name), k, prefix, marker);
      } else {
        if (!k.startsWith(prefix) || (marker !== undefined && compareKeys(k, marker) <= 0)) continue;
        const st = await stat(join(dir, it.name)).catch(() => undefined);
        if (st?.isFile()) yield { key: k, size: st.size, lastModified: st.mtime };
      }
    }
  }

  return {
    describe: `local:${root}`,

    async check() {
      try {
        const probe = await writeTemp('probe');
        await unlink(probe.path);
      } catch (err) {
        throw new Error(`local storage ${root} is not writable: ${(err as Error).message}`);
      }
    },

    async ensureBucket(bucket) {
      assertValidBucket(bucket);
      await mkdir(join(root, bucket), { recursive: true });
      await mkdir(join(root, '.meta', bucket), { recursive: true });
    },

    async put(bucket, key, body, opts: PutOptions) {
      assertValidKey(key);
      assertValidMetadata(opts.metadata ?? {});
      await assertBucketExists(bucket);
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      return withKeyLock(bucket, key, async () => {
        const obj = await writeTemp(body);
        const side: Sidecar = {
          contentType: opts.contentType, metadata: { ...opts.metadata }, etag, stamp: obj.stamp,
          ...(opts.cacheControl !== undefined ? { cacheControl: opts.cacheControl } : {}),
        };
        const meta = await writeTemp(JSON.stringify(side));
        await publish(obj.path, objectPath(bucket, key), bucket, key);
        await publish(meta.path, sidecarPath(bucket, key), bucket, key);
        return { etag };
      });
    },

    async get(bucket, key, range?: ByteRange): Promise<GetResult> {
      const fh = await openObject(bucket, key);
      try {
        const info = await describeOpen(fh, bucket, key);
        if (!range) return { ...info, body: await readAt(fh, 0, info.size) };
        const { start, end } = resolveRange(range, info.size);
        const body = await readAt(fh, start, end - start + 1);
        return { ...info, body, range: { start, end: start + body.length - 1, total: info.size } };
      } finally {
        await fh.close();
      }
    },

    async head(bucket, key) {
      const fh = await openObject(bucket, key);
      try {
        return await describeOpen(fh, bucket, key);
      } finally {
        await fh.close();
      }
    },

    async delete(bucket, keys) {
      keys.forEach(assertValidKey);
      await assertBucketExists(bucket);
      const deleteOne = (key: string) => withKeyLock(bucket, key, async () => {
        // sidecar first: a crash in between leaves an object served with derived metadata, never an orphan sidecar
        for (const [path, top] of [[sidecarPath(bucket, key), join(root, '.meta', bucket)], [objectPath(bucket, key), join(root, bucket)]]) {
          const gone = await unlink(path).then(() => true, (err) => {
            if (isErrno(err, 'ENOENT', 'ENOTDIR', 'EISDIR')) return false;
            throw err;
          });
          if (gone) await pruneEmptyParents(path, top);
        }
      });
      for (let i = 0; i < keys.length; i += 16) await Promise.all(keys.slice(i, i + 16).map(deleteOne));
    },

    async list(bucket, prefix, marker, maxKeys = 1000) {
      assertValidMaxKeys(maxKeys);
      await assertBucketExists(bucket);
      // start at the deepest directory the prefix names; a prefix no valid key could have lists nothing
      const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
      try {
        if (dirPart) assertValidKey(dirPart);
      } catch {
        return { entries: [] };
      }
      const startDir = dirPart ? objectPath(bucket, dirPart) : join(root, bucket);
      const entries: ListEntry[] = [];
      for await (const entry of walk(startDir, dirPart ? dirPart + '/' : '', prefix, marker)) {
        if (entries.length === maxKeys) return { entries, nextMarker: entries[entries.length - 1].key };
        entries.push(entry);
      }
      return { entries };
    },
  };
}
