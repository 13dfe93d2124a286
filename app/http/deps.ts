/**
 * @module http/deps
 * What the HTTP layer is given by the composition root (main.ts).
 */
import type { Hono } from 'hono';
import type { Db } from '../../db/index.ts';
import type { Config } from '../config/config.ts';
import type { Storage } from '../storage/types.ts';
import type { Recorder } from '../segmenter/recorder.ts';
import type { Uploader } from '../uploads/queue.ts';

export interface AppDeps {
  config: Config;
  db: Db;
  storage: Storage;
  recorder: Recorder;
  uploader: Uploader;
  /** middleware registered before every route (the admin session guard for /api/* and /admin/*) */
  guards?: ((app: Hono, deps: AppDeps) => void)[];
  /** route groups added by other modules (playback, VOD, admin, OSS API) */
  mounts?: ((app: Hono, deps: AppDeps) => void)[];
}
