/**
 * @module config
 * One typed configuration, read once from the environment and validated at start-up.
 * Errors name the variable and the rule.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export interface S3Config {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

export interface Config {
  httpPort: number;
  rtmpPort: number;
  bind: string;
  dataDir: string;
  dbFile: string;
  spoolDir: string;
  s3?: S3Config;
  ffmpegPath: string;
  ffprobePath: string;
  adminPassword?: string;
  /** RTMP app names accepted for publishing (seed form uses "hls", OSS form "live") */
  rtmpApps: string[];
  /** bucket used when a push URL names none (OSS form without a virtual host) */
  defaultBucket?: string;
  /** OSS API: host names whose sub-domains are buckets ("<bucket>.<base>"); empty = first label of any DNS name */
  ossBaseHosts: string[];
  /** public base URLs printed in signed links */
  publicHttpBase: string;
  publicRtmpBase: string;
  /** seconds an RTMP connection may stay silent (handshake, or no media while publishing) */
  rtmpIdleTimeoutSec: number;
  /** max bytes the upload spool may hold; beyond it, new segments are refused */
  spoolMaxBytes: number;
  corsOrigins: string;
  /** bytes of live playlists and recent segments playback keeps in memory (PLAYBACK_CACHE_MB) */
  playbackCacheBytes: number;
  /** seconds after an encoder left before its live playlist gets #EXT-X-ENDLIST */
  liveEndGraceSec: number;
  /** seconds SIGTERM waits for the upload queue to drain */
  shutdownDrainSec: number;
  /** seconds between retention sweeps (RETENTION_SWEEP_SEC; 0 = no periodic sweep) */
  retentionSweepSec: number;
  /** retention also deletes segments named by stored VOD playlists (RETENTION_INCLUDE_VOD) */
  retentionIncludeVod: boolean;
  /** longest VOD time range in seconds (OSS: one day) */
  vodMaxRangeSec: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw new ConfigError(`${name} must be an integer in ${min}..${max}, got '${raw}'`);
  return Number(raw);
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got '${raw}'`);
}

/** ffmpeg from FFMPEG_PATH, else found on PATH; ffprobe beside it */
function findBinary(env: Env, varName: string, bin: string): string {
  const given = env[varName];
  if (given) return given;
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim() || bin;
  } catch {
    return bin; // reported by the start-up check with one clear line
  }
}

function ossBaseHosts(raw: string | undefined): string[] {
  const hosts = (raw ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  for (const h of hosts)
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(h))
      throw new ConfigError(`OSS_BASE_HOST must be comma-separated DNS names like oss.example.com (no port, no scheme), got '${h}'`);
  return hosts;
}

export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(env.DATA_DIR || './data');
  const httpPort = int(env, 'HTTP_PORT', 8080, 0, 65535);
  const rtmpPort = int(env, 'RTMP_PORT', 1935, 0, 65535);
  let s3: S3Config | undefined;
  if (env.S3_ENDPOINT) {
    try {
      new URL(env.S3_ENDPOINT);
    } catch {
      throw new ConfigError(`S3_ENDPOINT must be a URL like http://127.0.0.1:7480, got '${env.S3_ENDPOINT}'`);
    }
    if (!env.S3_ACCESS_KEY_ID || !env.S3_SECRET_ACCESS_KEY)
      throw new ConfigError('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set when S3_ENDPOINT is');
    s3 = {
      endpoint: env.S3_ENDPOINT.replace(/\/+$/, ''),
      region: env.S3_REGION || 'us-east-1',
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
      forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', true),
    };
  }
  const apps = (env.RTMP_APPS || 'hls,live').split(',').map((s) => s.trim()).filter(Boolean);
  for (const a of apps) if (!/^[A-Za-z0-9_-]{1,64}$/.test(a)) throw new ConfigError(`RTMP_APPS has an invalid app name '${a}'`);
  const logLevel = (env.LOG_LEVEL || 'info') as Config['logLevel'];
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be debug|info|warn|error, got '${logLevel}'`);
  const host = env.PUBLIC_HOST || '127.0.0.1';
  return {
    httpPort,
    rtmpPort,
    bind: env.BIND || '0.0.0.0',
    dataDir,
    dbFile: path.join(dataDir, 'gateway.sqlite'),
    spoolDir: path.join(dataDir, 'spool'),
    s3,
    ffmpegPath: findBinary(env, 'FFMPEG_PATH', 'ffmpeg'),
    ffprobePath: findBinary(env, 'FFPROBE_PATH', 'ffprobe'),
    adminPassword: env.ADMIN_PASSWORD || undefined,
    rtmpApps: apps,
    defaultBucket: env.DEFAULT_BUCKET || undefined,
    ossBaseHosts: ossBaseHosts(env.OSS_BASE_HOST),
    publicHttpBase: (env.PUBLIC_HTTP_URL || `http://${host}:${httpPort}`).replace(/\/+$/, ''),
    publicRtmpBase: (env.PUBLIC_RTMP_URL || `rtmp://${host}:${rtmpPort}`).replace(/\/+$/, ''),
    rtmpIdleTimeoutSec: int(env, 'RTMP_IDLE_TIMEOUT', 15, 1, 3600),
    spoolMaxBytes: int(env, 'SPOOL_MAX_MB', 2048, 1, 10_000_000) * 1024 * 1024,
    corsOrigins: env.CORS_ORIGINS || '*',
    playbackCacheBytes: int(env, 'PLAYBACK_CACHE_MB', 256, 1, 1_000_000) * 1024 * 1024,
    liveEndGraceSec: int(env, 'LIVE_END_GRACE', 30, 0, 86400),
    shutdownDrainSec: int(env, 'SHUTDOWN_DRAIN', 20, 0, 3600),
    retentionSweepSec: int(env, 'RETENTION_SWEEP_SEC', 3600, 0, 30 * 86400),
    retentionIncludeVod: bool(env, 'RETENTION_INCLUDE_VOD', false),
    vodMaxRangeSec: int(env, 'VOD_MAX_RANGE_SEC', 86400, 1, 366 * 86400),
    logLevel,
  };
}
