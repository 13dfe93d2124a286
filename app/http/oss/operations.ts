/**
 * @module http/oss/operations
 * The nine LiveChannel operations. In: an authenticated request (bucket, channel, query, body).
 * Out: OSS XML answers built by core/oss/live-channel.ts; state from the channels and sessions
 * tables and the recorder's live sessions; VOD through vod/build.ts (same code as CLI and JSON API).
 */
import { backlog } from '../../../db/repos/segments.ts';
import { readBounded } from '../request.ts';
import type { AppDeps } from '../deps.ts';
import { deleteChannel, getChannel, isLive, listChannels, updateChannel, upsertChannel } from '../../../db/repos/channels.ts';
import { channelHistory } from '../../../db/repos/sessions.ts';
import type { AccessKey, Channel } from '../../../db/schema.ts';
import { keyCovers } from '../../../db/repos/keys.ts';
import { checkChannel, checkPlaylistName, clip } from '../../core/names.ts';
import {
  channelUrls, createLiveChannelResult, liveChannelConfiguration, liveChannelHistory, liveChannelStat, listLiveChannelResult,
  ossCodecName, parseLiveChannelConfiguration, type ChannelStat,
} from '../../core/oss/live-channel.ts';
import { measured } from '../../ingest/stream-info.ts';
import { buildVod, vodDeps } from '../../vod/build.ts';
import { md5Base64 } from './md5.ts';
import { ossEmpty, ossError, ossXml, type OssCtx } from './respond.ts';

export type OpName =
  | 'ListLiveChannel' | 'PutLiveChannel' | 'PutLiveChannelStatus' | 'GetLiveChannelInfo' | 'GetLiveChannelStat'
  | 'GetLiveChannelHistory' | 'DeleteLiveChannel' | 'PostVodPlaylist' | 'GetVodPlaylist';

export type Op = { ok: true; name: OpName; channel?: string; playlist?: string; write: boolean } | { ok: false; status: 400 | 405; code: string; reason: string };

const MAX_BODY = 64 * 1024;


/** which operation a request is, from its verb, object and sub-resources (before authentication: names only) */
export function pickOperation(method: string, object: string, q: Map<string, string>): Op {
  const bad = (reason: string): Op => ({ ok: false, status: 400, code: 'InvalidArgument', reason });
  const notAllowed = (): Op => ({ ok: false, status: 405, code: 'MethodNotAllowed', reason: `The specified method is not allowed against this resource: ${method} ${q.has('vod') ? '?vod' : '?live'}` });
  if (q.has('vod')) {
    const [channel, playlist, ...more] = object.split('/');
    if (!channel || more.length) return bad(`expected /<channel>${method === 'POST' ? '/<playlist>' : ''}?vod, got '/${clip(object)}'`);
    const cc = checkChannel(channel);
    if (!cc.ok) return bad(cc.reason);
    if (method === 'POST') {
      if (playlist === undefined) return bad('PostVodPlaylist needs /<channel>/<playlist>.m3u8?vod');
      const pc = checkPlaylistName(playlist);
      if (!pc.ok) return bad(pc.reason);
      return { ok: true, name: 'PostVodPlaylist', channel, playlist, write: true };
    }
    if (method === 'GET' && playlist === undefined) return { ok: true, name: 'GetVodPlaylist', channel, write: false };
    return notAllowed();
  }
  if (object === '') return method === 'GET' ? { ok: true, name: 'ListLiveChannel', write: false } : notAllowed();
  const cc = checkChannel(object);
  if (!cc.ok) return bad(object.includes('/') ? `a LiveChannel name has no '/': '${clip(object)}'` : cc.reason);
  const channel = object;
  switch (method) {
    case 'PUT':
      return { ok: true, name: q.has('status') ? 'PutLiveChannelStatus' : 'PutLiveChannel', channel, write: true };
    case 'DELETE':
      return { ok: true, name: 'DeleteLiveChannel', channel, write: true };
    case 'GET': {
      const comp = q.get('comp');
      if (comp === undefined) return { ok: true, name: 'GetLiveChannelInfo', channel, write: false };
      if (comp === 'stat') return { ok: true, name: 'GetLiveChannelStat', channel, write: false };
      if (comp === 'history') return { ok: true, name: 'GetLiveChannelHistory', channel, write: false };
      return bad(`comp must be stat or history, got '${clip(comp, 20)}'`);
    }
    default:
      return notAllowed();
  }
}

interface OpRequest {
  key: AccessKey;
  bucket: string;
  params: Map<string, string>;
  style: 'vhost' | 'path';
  request: Request;
}

const noSuchChannel = (ctx: OssCtx) => ossError(ctx, 404, 'NoSuchLiveChannel', 'The specified live channel does not exist.');
const liveConflict = (ctx: OssCtx, what: string) => ossError(ctx, 409, 'LiveChannelConflict', `${what} while a client is pushing to this live channel; disable it first (PutLiveChannelStatus disabled) or wait for the push to end.`);

export async function runOperation(deps: AppDeps, ctx: OssCtx, op: Extract<Op, { ok: true }>, r: OpRequest): Promise<Response> {
  const { bucket } = r;
  const urlsOf = (ch: Pick<Channel, 'name' | 'playlistName'>) =>
    channelUrls({
      rtmpBase: deps.config.publicRtmpBase, httpBase: deps.config.publicHttpBase, bucket, channel: ch.name, playlistName: ch.playlistName,
      defaultBucket: deps.config.defaultBucket, vhost: deps.config.ossBaseHosts.length > 0,
    });
  const live = (name: string) => deps.recorder.live().find((e) => e.bucket === bucket && e.channel === name);

  if (op.name === 'ListLiveChannel') {
    const prefix = r.params.get('prefix') ?? '';
    const marker = r.params.get('marker') ?? '';
    const mk = r.params.get('max-keys');
    if (mk !== undefined && (!/^\d{1,4}$/.test(mk) || Number(mk) < 1 || Number(mk) > 1000))
      return ossError(ctx, 400, 'InvalidArgument', `max-keys must be an integer in 1..1000, got '${clip(mk, 20)}'`);
    if (prefix.length > 1024 || marker.length > 1024) return ossError(ctx, 400, 'InvalidArgument', 'prefix and marker are at most 1024 characters');
    const maxKeys = mk === undefined ? 100 : Number(mk);
    // a key scoped to some channels of the bucket lists only those
    const rows: Channel[] = [];
    for (let from = marker; rows.length <= maxKeys; ) {
      const batch = listChannels(deps.db, { bucket, prefix: prefix || undefined, marker: from || undefined, limit: 1000 });
      rows.push(...batch.filter((ch) => keyCovers(r.key, bucket, ch.name)));
      if (batch.length < 1000) break;
      from = batch.at(-1)!.name;
    }
    const page = rows.slice(0, maxKeys);
    const isTruncated = rows.length > maxKeys;
    return ossXml(ctx, listLiveChannelResult({
      prefix, marker, maxKeys, isTruncated, nextMarker: isTruncated ? page.at(-1)!.name : undefined,
      channels: page.map((ch) => ({ name: ch.name, description: ch.description, status: ch.status, lastModifiedMs: ch.updatedAt, ...urlsOf(ch) })),
    }));
  }

  const name = op.channel!;
  if (op.name === 'PutLiveChannel') {
    if (Number(r.request.headers.get('content-length') ?? 0) > MAX_BODY) return ossError(ctx, 400, 'EntityTooLarge', `LiveChannelConfiguration is at most ${MAX_BODY} bytes`);
    const body = await readBounded(r.request, MAX_BODY);
    if (!body) return ossError(ctx, 400, 'EntityTooLarge', `LiveChannelConfiguration is at most ${MAX_BODY} bytes`);
    const md5 = r.request.headers.get('content-md5');
    if (md5 !== null && md5 !== md5Base64(body)) return ossError(ctx, 400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.');
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      return ossError(ctx, 400, 'MalformedXML', 'the body is not UTF-8');
    }
    const p = parseLiveChannelConfiguration(text);
    if (!p.ok) return ossError(ctx, 400, p.code, p.reason);
    const existing = getChannel(deps.db, bucket, name);
    if (existing && (live(name) || isLive(deps.db, existing.id))) return liveConflict(ctx, 'A live channel cannot be overwritten');
    // as `channel create`: the bucket exists before the first segment is uploaded
    try {
      await deps.storage.ensureBucket(bucket);
    } catch (e) {
      return ossError(ctx, 503, 'ServiceUnavailable', `storage cannot create bucket ${bucket}: ${clip((e as Error).message, 200)}`);
    }
    // an overwrite starts from OSS's defaults: every field is set
    const { channel } = upsertChannel(deps.db, bucket, name, { ...p.config });
    return ossXml(ctx, createLiveChannelResult(urlsOf(channel).publishUrl, urlsOf(channel).playUrl));
  }

  const channel = getChannel(deps.db, bucket, name);
  if (!channel) return noSuchChannel(ctx);
  switch (op.name) {
    case 'GetLiveChannelInfo':
      return ossXml(ctx, liveChannelConfiguration({ description: channel.description, status: channel.status, fragDuration: channel.fragDuration, fragCount: channel.fragCount, playlistName: channel.playlistName }));
    case 'PutLiveChannelStatus': {
      const status = r.params.get('status');
      if (status !== 'enabled' && status !== 'disabled') return ossError(ctx, 400, 'InvalidArgument', `status must be enabled or disabled, got '${clip(status ?? '', 20)}'`);
      updateChannel(deps.db, channel.id, { status });
      if (status === 'disabled') deps.recorder.cut(bucket, name, 'channel disabled');
      return ossEmpty(ctx, 200);
    }
    case 'GetLiveChannelStat': {
      const e = live(name);
      let stat: ChannelStat;
      if (channel.status === 'disabled') stat = { status: 'Disabled' };
      else if (!e) stat = { status: 'Idle' };
      else {
        const m = measured(e.info);
        const i = e.info;
        stat = {
          status: 'Live', connectedMs: e.startedAt, remoteAddr: e.remote,
          // OSS reports bandwidth in bytes per second
          video: i.videoCodec ? { width: i.width ?? 0, height: i.height ?? 0, frameRate: m.fps ?? i.fps ?? 0, bandwidth: Math.round(((m.videoKbps ?? i.videoKbpsDeclared ?? 0) * 1000) / 8), codec: ossCodecName(i.videoCodec) } : undefined,
          audio: i.audioCodec ? { bandwidth: Math.round(((m.audioKbps ?? i.audioKbpsDeclared ?? 0) * 1000) / 8), sampleRate: i.sampleRate ?? 0, codec: ossCodecName(i.audioCodec) } : undefined,
        };
      }
      return ossXml(ctx, liveChannelStat(stat));
    }
    case 'GetLiveChannelHistory':
      return ossXml(ctx, liveChannelHistory(channelHistory(deps.db, channel.id, 10).map((s) => ({ startMs: s.startedAt, endMs: s.endedAt, remoteAddr: s.remoteAddr }))));
    case 'DeleteLiveChannel':
      if (live(name) || isLive(deps.db, channel.id)) return liveConflict(ctx, 'A live channel cannot be deleted');
      if (backlog(deps.db, channel.id).count) return liveConflict(ctx, 'The channel still has segments waiting for storage; try again once they are uploaded');
      deleteChannel(deps.db, channel.id); // its objects stay in the bucket, as in OSS
      return ossEmpty(ctx, 204);
    case 'PostVodPlaylist':
    case 'GetVodPlaylist': {
      const start = r.params.get('startTime');
      const end = r.params.get('endTime');
      if (start === undefined || end === undefined) return ossError(ctx, 400, 'InvalidArgument', 'startTime and endTime (unix seconds) are required');
      const store = op.name === 'PostVodPlaylist';
      const v = await buildVod(vodDeps(deps.config, deps.db, deps.storage), { bucket, channel: name, startSec: start, endSec: end, name: op.playlist, store, uris: { kind: 'relative' } });
      if (!v.ok) {
        if (v.code === 'unknown-channel') return noSuchChannel(ctx);
        if (v.status === 502) return ossError(ctx, 503, 'ServiceUnavailable', 'storage is unavailable, try again');
        return ossError(ctx, 400, 'InvalidArgument', v.reason);
      }
      if (store) return ossEmpty(ctx, 200);
      return new Response(v.playlist, { status: 200, headers: { 'content-type': 'application/x-mpegURL', 'x-oss-request-id': ctx.requestId } });
    }
    default:
      return ossError(ctx, 400, 'InvalidArgument', 'unsupported operation');
  }
}
