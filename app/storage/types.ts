/**
 * @module storage/types
 * The object-store contract every adapter (embedded local disk, S3/RGW) fulfils.
 * Consumers (uploads, playback, VOD) depend on this file only, never on an adapter.
 */

export interface PutOptions {
  contentType: string;
  /** user metadata, sent as x-amz-meta-<name>; names lower-case */
  metadata?: Record<string, string>;
  cacheControl?: string;
}

export interface ObjectInfo {
  key: string;
  size: number;
  etag: string; // quoted, as S3 returns it
  lastModified: Date;
  contentType: string;
  metadata: Record<string, string>;
  cacheControl?: string;
}

export interface GetResult extends ObjectInfo {
  body: Uint8Array;
  /** present when a range was asked: the inclusive byte span returned, and the full size */
  range?: { start: number; end: number; total: number };
}

export interface ListEntry {
  key: string;
  size: number;
  lastModified: Date;
}

export interface ListPage {
  entries: ListEntry[];
  /** marker to pass for the next page; undefined when this was the last page */
  nextMarker?: string;
}

/** byte range as in an HTTP Range header: {start,end} inclusive, or {suffix:n} for the last n bytes */
export type ByteRange = { start: number; end?: number } | { suffix: number };

export class NotFoundError extends Error {
  constructor(public bucket: string, public key: string) {
    super(`no such object: ${bucket}/${key}`);
    this.name = 'NotFoundError';
  }
}

/** the bucket does not exist (ensureBucket creates it) */
export class NoSuchBucketError extends Error {
  constructor(public bucket: string) {
    super(`no such bucket: ${bucket} (call ensureBucket first)`);
    this.name = 'NoSuchBucketError';
  }
}

/** the asked range lies outside the object (HTTP 416) */
export class RangeNotSatisfiableError extends Error {
  constructor(public size: number) {
    super(`range not satisfiable (object has ${size} bytes)`);
    this.name = 'RangeNotSatisfiableError';
  }
}

export interface Storage {
  /** short name for logs: "local:/path" or "s3:http://host:port" */
  readonly describe: string;
  /** throws with one readable line when the store cannot be reached or used */
  check(): Promise<void>;
  ensureBucket(bucket: string): Promise<void>;
  put(bucket: string, key: string, body: Uint8Array, opts: PutOptions): Promise<{ etag: string }>;
  /** throws NotFoundError / RangeNotSatisfiableError */
  get(bucket: string, key: string, range?: ByteRange): Promise<GetResult>;
  /** throws NotFoundError */
  head(bucket: string, key: string): Promise<ObjectInfo>;
  /** deleting a missing key is not an error */
  delete(bucket: string, keys: string[]): Promise<void>;
  /** keys under prefix in byte order, after marker, at most maxKeys (default 1000) */
  list(bucket: string, prefix: string, marker?: string, maxKeys?: number): Promise<ListPage>;
}
