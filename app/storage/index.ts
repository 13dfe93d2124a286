/**
 * @module storage
 * Picks the object store from config: S3 when configured, else embedded local disk under <dataDir>/objects.
 */
import { join } from 'node:path';
import { createLocalDiskStorage } from './local-disk.ts';
import { createS3Storage, type S3StorageOptions } from './s3.ts';
import type { Storage } from './types.ts';

export * from './types.ts';
export { createLocalDiskStorage } from './local-disk.ts';
export { createS3Client, createS3Storage, type S3StorageOptions } from './s3.ts';

export interface StorageConfig {
  dataDir: string;
  s3?: S3StorageOptions;
}

export function createStorage(cfg: StorageConfig): Storage {
  return cfg.s3 ? createS3Storage(cfg.s3) : createLocalDiskStorage(join(cfg.dataDir, 'objects'));
}
