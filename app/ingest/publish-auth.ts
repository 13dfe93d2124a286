/**
 * @module ingest/publish-auth
 * Decides whether an RTMP publish may start (DESIGN.md "Push URL and its signature").
 * Seed form: /hls/<ch>?Bucket&AccessKeyId&Expires&Signature; OSS form: /live/<ch>?OSSAccessKeyId&
 * Expires&Signature[&playlistName]. Credentials are checked before anything about the channel is
 * revealed; every refusal has a code for logs and a reason the encoder's operator can act on.
 */
import type { Db } from '../../db/index.ts';
import { getKey, keyCovers, touchKey } from '../../db/repos/keys.ts';
import { getChannel } from '../../db/repos/channels.ts';
import type { Channel } from '../../db/schema.ts';
import { checkBucket, checkChannel, checkPlaylistName, clip } from '../core/names.ts';
import { parseQuery, verifyPush } from '../core/signing/index.ts';
import type { AuthDecision, PublishRequest } from './rtmp-server.ts';

export interface PublishContext {
  bucket: string;
  channel: Channel;
  accessKeyId: string;
  playlistName: string;
  app: string;
}

export interface PublishAuthDeps {
  db: Db;
  defaultBucket?: string;
  now?: () => number;
  /** true when bucket/channel already has a publisher */
  isBusy(bucket: string, channel: string): boolean;
  /** a reason when new pushes must wait (upload spool full), else undefined */
  admissionProblem?(): string | undefined;
}

const IP_HOST = /^(\d+\.\d+\.\d+\.\d+|\[?[0-9a-f:]+\]?|localhost)$/i;

export function makePublishAuthorizer(deps: PublishAuthDeps) {
  const now = deps.now ?? (() => Date.now());
  return function authorize(req: PublishRequest): AuthDecision<PublishContext> {
    const no = (code: string, reason: string) => ({ ok: false as const, code, reason });
    const nameCheck = checkChannel(req.name);
    if (!nameCheck.ok) return no('invalid-name', nameCheck.reason);
    const q = parseQuery(req.query);
    if (!q.ok) return no('bad-query', q.reason);
    const params = q.params;
    const akId = params.get('OSSAccessKeyId') ?? params.get('AccessKeyId');
    if (!akId) return no('no-credentials', 'push URL has no AccessKeyId/OSSAccessKeyId: sign it first');

    // bucket: explicit param, else virtual host "<bucket>.host", else the configured default
    const candidates: string[] = [];
    const explicit = params.get('Bucket');
    if (explicit !== undefined) candidates.push(explicit);
    else {
      const label = req.host.split('.')[0] ?? '';
      if (req.host.includes('.') && !IP_HOST.test(req.host) && checkBucket(label).ok) candidates.push(label);
      if (deps.defaultBucket) candidates.push(deps.defaultBucket);
    }
    if (candidates.length === 0) return no('no-bucket', 'push URL names no Bucket and no default bucket is configured');
    for (const b of candidates) {
      const c = checkBucket(b);
      if (!c.ok) return no('invalid-name', c.reason);
    }

    const key = getKey(deps.db, akId);
    if (!key) return no('unknown-key', `unknown access key '${clip(akId, 40)}'`);
    if (!key.enabled) return no('key-disabled', 'access key is disabled');

    const nowSec = Math.floor(now() / 1000);
    let bucket: string | undefined;
    let lastFailure: ReturnType<typeof verifyPush> | undefined;
    for (const b of candidates) {
      const v = verifyPush({ secret: key.secret, bucket: b, channel: req.name, expires: params.get('Expires'), signature: params.get('Signature'), extra: params, nowSec });
      if (v.ok) {
        bucket = b;
        break;
      }
      lastFailure = v;
      if (v.code === 'expires-malformed' || v.code === 'expired' || v.code === 'signature-missing') break;
    }
    if (!bucket) {
      const f = lastFailure as { code: string; reason: string };
      return no(f.code, f.reason);
    }
    if (!key.canPush || !keyCovers(key, bucket, req.name)) return no('scope', 'access key may not push to this channel');

    const channel = getChannel(deps.db, bucket, req.name);
    if (!channel) return no('unknown-channel', `channel ${bucket}/${clip(req.name)} does not exist: create it first`);
    if (channel.status !== 'enabled') return no('channel-disabled', `channel ${bucket}/${req.name} is disabled`);
    const playlistName = params.get('playlistName') ?? channel.playlistName;
    const pc = checkPlaylistName(playlistName);
    if (!pc.ok) return no('invalid-name', pc.reason);
    if (deps.isBusy(bucket, req.name)) return no('channel-busy', `channel ${bucket}/${req.name} already has a publisher`);
    const admission = deps.admissionProblem?.();
    if (admission) return no('backlog-full', admission);
    touchKey(deps.db, key.id);
    return { ok: true, ctx: { bucket, channel, accessKeyId: key.id, playlistName, app: req.app } };
  };
}
