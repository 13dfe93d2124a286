/**
 * @module http/admin/urls
 * The links the console hands out for one channel, from the same signing code as the CLI:
 * signed push URLs (seed and OSS form, also split for OBS), a play link through the gateway
 * (signed with an access key) and one straight to S3 (signed with the gateway's S3 credentials).
 */
import type { AccessKey, Channel } from '../../../db/schema.ts';
import type { Config } from '../../config/config.ts';
import { keyCovers } from '../../../db/repos/keys.ts';
import { buildPushUrl, presignV2, type PushForm } from '../../core/signing/index.ts';
import { playlistKey } from '../../core/object-keys.ts';

export const EXPIRY_CHOICES: [number, string][] = [
  [3600, '1 hour'], [6 * 3600, '6 hours'], [86400, '1 day'], [7 * 86400, '7 days'], [30 * 86400, '30 days'], [365 * 86400, '1 year'],
];
export const DEFAULT_EXPIRY = 86400;

export interface PushLink {
  form: PushForm;
  url: string;
  /** OBS "Server" and "Stream key" */
  server: string;
  streamKey: string;
}

export interface ChannelUrls {
  key: AccessKey;
  expires: number;
  push?: PushLink[];
  pushProblem?: string;
  playGateway?: string;
  playS3?: string;
  playProblem?: string;
}

/** split at the last '/' before the query: rtmp://host:port/app | channel?params */
export function splitForObs(url: string): { server: string; streamKey: string } {
  const q = url.indexOf('?');
  const i = url.lastIndexOf('/', q < 0 ? url.length : q);
  return { server: url.slice(0, i), streamKey: url.slice(i + 1) };
}

export function parseExpiry(v: string | undefined): number {
  const n = Number(v);
  return EXPIRY_CHOICES.some(([s]) => s === n) ? n : DEFAULT_EXPIRY;
}

export function channelUrls(config: Pick<Config, 'publicRtmpBase' | 'publicHttpBase' | 's3'>, ch: Channel, key: AccessKey, expiresInSec: number, nowSec: number): ChannelUrls {
  const expires = nowSec + expiresInSec;
  const out: ChannelUrls = { key, expires };
  const covers = keyCovers(key, ch.bucket, ch.name);
  if (!key.enabled) out.pushProblem = out.playProblem = `access key ${key.id} is disabled`;
  else if (!covers) out.pushProblem = out.playProblem = `access key ${key.id} does not cover ${ch.bucket}/${ch.name} (scope ${key.scope})`;
  if (!out.pushProblem && !key.canPush) out.pushProblem = `access key ${key.id} may not push`;
  if (!out.playProblem && !key.canPlay) out.playProblem = `access key ${key.id} may not play`;
  if (!out.pushProblem) {
    out.push = (['seed', 'oss'] as const).map((form) => {
      const url = buildPushUrl({
        rtmpBase: config.publicRtmpBase, form, bucket: ch.bucket, channel: ch.name, accessKeyId: key.id, secret: key.secret, expires,
        playlistName: form === 'oss' && ch.playlistName !== 'playlist.m3u8' ? ch.playlistName : undefined,
      });
      return { form, url, ...splitForObs(url) };
    });
  }
  const objectKey = playlistKey(ch.name, ch.playlistName);
  if (!out.playProblem) out.playGateway = presignV2({ base: config.publicHttpBase, bucket: ch.bucket, key: objectKey, accessKeyId: key.id, secret: key.secret, expires });
  if (config.s3) out.playS3 = presignV2({ base: config.s3.endpoint, bucket: ch.bucket, key: objectKey, accessKeyId: config.s3.accessKeyId, secret: config.s3.secretAccessKey, expires });
  return out;
}
