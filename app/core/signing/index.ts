/**
 * @module core/signing
 * The one signing module: push URLs (RTMP), play links (S3 V2, verified V2 and V4), VOD URIs.
 */
export * from './hmac.ts';
export * from './query.ts';
export * from './push.ts';
export * from './s3v2.ts';
export * from './s3v4.ts';
