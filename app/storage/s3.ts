/**
 * @module storage/s3
 * Storage on any S3-compatible server (Ceph RGW, MinIO, AWS) through @aws-sdk/client-s3.
 */
import {
  CreateBucketCommand, DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListBucketsCommand, ListObjectsCommand, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
// the name rules live with the local adapter; S3 applies the same ones so both stores accept exactly the same calls
import {
  assertValidBucket, assertValidKey, assertValidMaxKeys, assertValidMetadata, assertValidRange, resolveRange,
} from './local-disk.ts';
import {
  NoSuchBucketError, NotFoundError, RangeNotSatisfiableError,
  type ByteRange, type GetResult, type ObjectInfo, type Storage,
} from './types.ts';

export interface S3StorageOptions {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** a request (upload included) taking longer fails; default 20 s: a hung server must surface as an error (an upload slower than that cannot keep up with live) */
  requestTimeoutMs?: number;
  /** budget for check(); default 5 s */
  checkTimeoutMs?: number;
}

/** the client as this project needs it against RGW: see the comments for the why of each setting */
export function createS3Client(opts: S3StorageOptions): S3Client {
  return new S3Client({
    endpoint: opts.endpoint,
    region: opts.region,
    credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
    forcePathStyle: opts.forcePathStyle,
    // SDK defaults send aws-chunked bodies with trailing CRC32 and no Content-Length: RGW answers 411
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // the upload queue retries with its own backoff; SDK retries on top would only delay outage detection
    maxAttempts: 2,
    requestHandler: {
      connectionTimeout: 3_000,
      requestTimeout: opts.requestTimeoutMs ?? 20_000,
      throwOnRequestTimeout: true,
      httpAgent: { keepAlive: true, maxSockets: 64 },
      httpsAgent: { keepAlive: true, maxSockets: 64 },
    },
  });
}

interface SdkError extends Error {
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
}

const statusOf = (err: unknown) => (err as SdkError)?.$metadata?.httpStatusCode;
const nameOf = (err: unknown) => (err as SdkError)?.name ?? '';

/** the total size after the "/" of a Content-Range header, if the server sent one */
function totalFromContentRange(value: string | undefined): number | undefined {
  const m = value?.match(/\/(\d+)\s*$/);
  return m ? Number(m[1]) : undefined;
}

/** one readable line for check(): reachability first, then credentials, then whatever the server said */
function describeCheckFailure(endpoint: string, err: unknown, timeoutMs: number): string {
  const e = err as SdkError;
  const code = e.code ?? (e.cause as SdkError | undefined)?.code;
  // network errors first: the SDK names some of them TimeoutError although a code says what happened
  if (code && /^E[A-Z]+$/.test(code)) {
    const msg = e.message.replace(/\s+\S+:\d+$/, ''); // drop the repeated "host:port"
    return `S3 endpoint ${endpoint} unreachable: ${msg.includes(code) ? msg : `${msg} (${code})`}`;
  }
  if (e.name === 'AbortError' || e.name === 'TimeoutError') {
    return `S3 endpoint ${endpoint} unreachable: no answer within ${timeoutMs / 1000} s`;
  }
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken'].includes(e.name)) {
    return `S3 credentials rejected by ${endpoint}: ${e.name}`;
  }
  const status = statusOf(err);
  // a body the SDK cannot parse as an S3 error usually means something else listens there
  if (e.message === 'UnknownError' || !e.message) return `S3 endpoint ${endpoint} answered HTTP ${status ?? '?'} ${e.name}: not an S3 server?`;
  return `S3 endpoint ${endpoint} failed the check: ${e.name}${status ? ` (HTTP ${status})` : ''}: ${e.message}`;
}

export function createS3Storage(opts: S3StorageOptions): Storage {
  const client = createS3Client(opts);
  const endpoint = opts.endpoint.replace(/\/+$/, '');
  const checkTimeoutMs = opts.checkTimeoutMs ?? 5_000;

  function noSuchBucket(err: unknown, bucket: string): never {
    if (nameOf(err) === 'NoSuchBucket') throw new NoSuchBucketError(bucket);
    throw err;
  }

  function toInfo(key: string, r: {
    ContentLength?: number; ETag?: string; LastModified?: Date; ContentType?: string;
    Metadata?: Record<string, string>; CacheControl?: string;
  }): ObjectInfo {
    return {
      key, size: r.ContentLength ?? 0, etag: r.ETag ?? '', lastModified: r.LastModified ?? new Date(0),
      contentType: r.ContentType ?? 'application/octet-stream', metadata: { ...r.Metadata },
      ...(r.CacheControl !== undefined ? { cacheControl: r.CacheControl } : {}),
    };
  }

  async function sizeForRangeError(bucket: string, key: string, err: unknown): Promise<number> {
    const fromHeader = totalFromContentRange((err as SdkError).$response?.headers?.['content-range']);
    if (fromHeader !== undefined) return fromHeader;
    const h = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return h.ContentLength ?? 0;
  }

  const storage: Storage = {
    describe: `s3:${endpoint}`,

    async check() {
      try {
        await client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(checkTimeoutMs) });
      } catch (err) {
        // authenticated but not allowed to list buckets (bucket-scoped keys): usable, ensureBucket will tell more
        if (nameOf(err) === 'AccessDenied') return;
        throw new Error(describeCheckFailure(endpoint, err, checkTimeoutMs));
      }
    },

    async ensureBucket(bucket) {
      assertValidBucket(bucket);
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return;
      } catch (err) {
        if (statusOf(err) === 403) throw new Error(`bucket ${bucket} on ${endpoint}: access denied (HTTP 403): owned by another account, or the credentials are wrong`);
        if (statusOf(err) !== 404 && nameOf(err) !== 'NotFound') throw err;
      }
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (err) {
        if (nameOf(err) === 'BucketAlreadyOwnedByYou') return; // created concurrently by us: fine
        if (nameOf(err) === 'BucketAlreadyExists') throw new Error(`bucket ${bucket} is owned by another account on ${endpoint}`);
        throw err;
      }
    },

    async put(bucket, key, body, putOpts) {
      assertValidBucket(bucket);
      assertValidKey(key);
      assertValidMetadata(putOpts.metadata ?? {});
      const res = await client.send(new PutObjectCommand({
        Bucket: bucket, Key: key, Body: body, ContentLength: body.byteLength,
        ContentType: putOpts.contentType, Metadata: putOpts.metadata, CacheControl: putOpts.cacheControl,
      })).catch((err) => noSuchBucket(err, bucket));
      return { etag: res.ETag ?? '' };
    },

    async get(bucket, key, range?: ByteRange): Promise<GetResult> {
      assertValidBucket(bucket);
      assertValidKey(key);
      if (range) assertValidRange(range);
      // RGW answers "bytes=-0" with the whole object; RFC 9110 (and local disk) call it unsatisfiable
      if (range && 'suffix' in range && range.suffix === 0) throw new RangeNotSatisfiableError((await storage.head(bucket, key)).size);
      const header = !range ? undefined : 'suffix' in range ? `bytes=-${range.suffix}` : `bytes=${range.start}-${range.end ?? ''}`;
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: header }));
        const body = await res.Body!.transformToByteArray();
        if (!range) return { ...toInfo(key, res), size: body.byteLength, body };
        if (res.ContentRange) {
          const total = totalFromContentRange(res.ContentRange) ?? body.byteLength;
          return { ...toInfo(key, res), size: total, body, range: { ...parseSpan(res.ContentRange), total } };
        }
        // a server that ignores Range answers 200 with everything: cut here so callers always get the span
        const span = resolveRange(range, body.byteLength);
        return { ...toInfo(key, res), size: body.byteLength, body: body.subarray(span.start, span.end + 1), range: { ...span, total: body.byteLength } };
      } catch (err) {
        if (nameOf(err) === 'NoSuchKey' || (statusOf(err) === 404 && nameOf(err) !== 'NoSuchBucket')) throw new NotFoundError(bucket, key);
        if (nameOf(err) === 'InvalidRange' || statusOf(err) === 416) {
          throw new RangeNotSatisfiableError(await sizeForRangeError(bucket, key, err));
        }
        return noSuchBucket(err, bucket);
      }
    },

    async head(bucket, key) {
      assertValidBucket(bucket);
      assertValidKey(key);
      try {
        return toInfo(key, await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
      } catch (err) {
        // HEAD answers carry no body, so a missing bucket looks the same as a missing key here
        if (statusOf(err) === 404 || nameOf(err) === 'NotFound') throw new NotFoundError(bucket, key);
        throw err;
      }
    },

    async delete(bucket, keys) {
      assertValidBucket(bucket);
      keys.forEach(assertValidKey);
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        const res = await client.send(new DeleteObjectsCommand({
          Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        })).catch((err) => noSuchBucket(err, bucket));
        const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length) {
          throw new Error(`delete failed for ${failed.length} of ${batch.length} keys in ${bucket}, first ${failed[0].Key}: ${failed[0].Code} ${failed[0].Message ?? ''}`.trim());
        }
      }
    },

    async list(bucket, prefix, marker, maxKeys = 1000) {
      assertValidBucket(bucket);
      assertValidMaxKeys(maxKeys);
      const res = await client.send(new ListObjectsCommand({
        Bucket: bucket, Prefix: prefix || undefined, Marker: marker || undefined, MaxKeys: maxKeys,
      })).catch((err) => noSuchBucket(err, bucket));
      const entries = (res.Contents ?? []).map((o) => ({ key: o.Key!, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) }));
      if (!res.IsTruncated) return { entries };
      // RGW sends NextMarker even without a delimiter; S3 proper only with one: then the last key is the marker
      return { entries, nextMarker: res.NextMarker || entries[entries.length - 1]?.key };
    },
  };
  return storage;
}

/** "bytes 0-9/100" -> {start:0, end:9} */
function parseSpan(contentRange: string): { start: number; end: number } {
  const m = contentRange.match(/bytes\s+(\d+)-(\d+)\//);
  if (!m) throw new Error(`unexpected Content-Range from S3: ${contentRange}`);
  return { start: Number(m[1]), end: Number(m[2]) };
}
