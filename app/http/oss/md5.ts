/**
 * @module http/oss/md5
 * Content-MD5 of a request body (base64 of the MD5 digest), as OSS checks it.
 */
import { createHash } from 'node:crypto';

export const md5Base64 = (body: Uint8Array): string => createHash('md5').update(body).digest('base64');
