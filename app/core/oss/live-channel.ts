/**
 * @module core/oss/live-channel
 * OSS LiveChannel request and response bodies. In: LiveChannelConfiguration XML (PutLiveChannel);
 * plain values for the answers. Out: the validated configuration (OSS limits and defaults) or an
 * OSS error code with a reason; CreateLiveChannelResult, LiveChannelConfiguration,
 * ListLiveChannelResult, LiveChannelStat, LiveChannelHistory and Error documents.
 */
import { checkPlaylistName } from '../names.ts';
import { child, el, parseXml, xmlDocument, type XmlElement } from './xml.ts';

export interface LiveChannelConfig {
  description: string;
  status: 'enabled' | 'disabled';
  fragDuration: number;
  fragCount: number;
  playlistName: string;
}

/** what OSS gives a channel for every field the request leaves out (an overwrite starts from these) */
export const OSS_DEFAULTS: LiveChannelConfig = { description: '', status: 'enabled', fragDuration: 5, fragCount: 3, playlistName: 'playlist.m3u8' };

export type ConfigParse = { ok: true; config: LiveChannelConfig } | { ok: false; code: 'MalformedXML' | 'InvalidArgument'; reason: string };

export function parseLiveChannelConfiguration(body: string): ConfigParse {
  const x = parseXml(body);
  if (!x.ok) return { ok: false, code: 'MalformedXML', reason: x.reason };
  const bad = (reason: string): ConfigParse => ({ ok: false, code: 'InvalidArgument', reason });
  const root = x.root;
  if (root.name !== 'LiveChannelConfiguration') return { ok: false, code: 'MalformedXML', reason: `root element must be LiveChannelConfiguration, got ${root.name}` };
  const one = (e: XmlElement, n: string): XmlElement | undefined | string => {
    const c = child(e, n);
    return c === 'many' ? `more than one ${n}` : c;
  };
  const cfg: LiveChannelConfig = { ...OSS_DEFAULTS };
  const desc = one(root, 'Description');
  if (typeof desc === 'string') return bad(desc);
  if (desc) {
    if (new TextEncoder().encode(desc.text).length > 128) return bad('Description is at most 128 bytes');
    cfg.description = desc.text;
  }
  const status = one(root, 'Status');
  if (typeof status === 'string') return bad(status);
  if (status) {
    if (status.text !== 'enabled' && status.text !== 'disabled') return bad(`Status must be enabled or disabled, got '${status.text.slice(0, 20)}'`);
    cfg.status = status.text;
  }
  const target = one(root, 'Target');
  if (typeof target === 'string') return bad(target);
  if (!target) return bad('Target is required');
  const type = one(target, 'Type');
  if (typeof type === 'string') return bad(type);
  if (!type || type.text !== 'HLS') return bad(`Target/Type must be HLS${type ? `, got '${type.text.slice(0, 20)}'` : ''}`);
  const fd = one(target, 'FragDuration');
  const fc = one(target, 'FragCount');
  if (typeof fd === 'string') return bad(fd);
  if (typeof fc === 'string') return bad(fc);
  if (!!fd !== !!fc) return bad('FragDuration and FragCount are given together or not at all');
  for (const [n, e] of [['FragDuration', fd], ['FragCount', fc]] as const) {
    if (!e) continue;
    if (!/^\d{1,3}$/.test(e.text) || Number(e.text) < 1 || Number(e.text) > 100) return bad(`${n} must be an integer in 1..100, got '${e.text.slice(0, 20)}'`);
  }
  if (fd && fc) {
    cfg.fragDuration = Number(fd.text);
    cfg.fragCount = Number(fc.text);
  }
  const pl = one(target, 'PlaylistName');
  if (typeof pl === 'string') return bad(pl);
  if (pl) {
    const c = checkPlaylistName(pl.text);
    if (!c.ok) return bad(c.reason);
    cfg.playlistName = pl.text;
  }
  return { ok: true, config: cfg };
}

const iso = (ms: number) => new Date(ms).toISOString();
const urls = (u: string) => el('Url', u);

export function createLiveChannelResult(publishUrl: string, playUrl: string): string {
  return xmlDocument(el('CreateLiveChannelResult', el('PublishUrls', urls(publishUrl)), el('PlayUrls', urls(playUrl))));
}

export function liveChannelConfiguration(c: LiveChannelConfig): string {
  return xmlDocument(
    el('LiveChannelConfiguration', el('Description', c.description), el('Status', c.status),
      el('Target', el('Type', 'HLS'), el('FragDuration', c.fragDuration), el('FragCount', c.fragCount), el('PlaylistName', c.playlistName))),
  );
}

export interface ListedChannel {
  name: string;
  description: string;
  status: string;
  lastModifiedMs: number;
  publishUrl: string;
  playUrl: string;
}

export function listLiveChannelResult(o: { prefix: string; marker: string; maxKeys: number; isTruncated: boolean; nextMarker?: string; channels: ListedChannel[] }): string {
  return xmlDocument(
    el('ListLiveChannelResult', el('Prefix', o.prefix), el('Marker', o.marker), el('MaxKeys', o.maxKeys), el('IsTruncated', String(o.isTruncated)),
      o.isTruncated && o.nextMarker !== undefined && el('NextMarker', o.nextMarker),
      ...o.channels.map((c) => el('LiveChannel', el('Name', c.name), el('Description', c.description), el('Status', c.status),
        el('LastModified', iso(c.lastModifiedMs)), el('PublishUrls', urls(c.publishUrl)), el('PlayUrls', urls(c.playUrl))))),
  );
}

export interface ChannelStat {
  status: 'Idle' | 'Live' | 'Disabled';
  connectedMs?: number;
  remoteAddr?: string;
  video?: { width: number; height: number; frameRate: number; bandwidth: number; codec: string };
  audio?: { bandwidth: number; sampleRate: number; codec: string };
}

export function liveChannelStat(s: ChannelStat): string {
  const live = s.status === 'Live';
  return xmlDocument(
    el('LiveChannelStat', el('Status', s.status),
      live && s.connectedMs !== undefined && el('ConnectedTime', iso(s.connectedMs)),
      live && s.remoteAddr !== undefined && el('RemoteAddr', s.remoteAddr),
      live && s.video && el('Video', el('Width', s.video.width), el('Height', s.video.height), el('FrameRate', s.video.frameRate), el('Bandwidth', s.video.bandwidth), el('Codec', s.video.codec)),
      live && s.audio && el('Audio', el('Bandwidth', s.audio.bandwidth), el('SampleRate', s.audio.sampleRate), el('Codec', s.audio.codec))),
  );
}

export function liveChannelHistory(records: { startMs: number; endMs?: number | null; remoteAddr: string }[]): string {
  return xmlDocument(
    el('LiveChannelHistory', ...records.map((r) => el('LiveRecord', el('StartTime', iso(r.startMs)), r.endMs != null && el('EndTime', iso(r.endMs)), el('RemoteAddr', r.remoteAddr)))),
  );
}

export function ossErrorBody(o: { code: string; message: string; requestId: string; hostId: string; extra?: [string, string][] }): string {
  return xmlDocument(el('Error', el('Code', o.code), el('Message', o.message), el('RequestId', o.requestId), el('HostId', o.hostId), ...(o.extra ?? []).map(([k, v]) => el(k, v))));
}

/** FLV codec names as OSS prints them ("H264", "AAC") */
export const ossCodecName = (c: string | undefined) => (c ?? '').replace(/\./g, '').toUpperCase();

/**
 * The unsigned push and play URLs PutLiveChannel/ListLiveChannel return, in forms the ingest
 * accepts: plain `<rtmpBase>/live/<ch>` for the default bucket, `rtmp://<bucket>.<host>/live/<ch>`
 * when buckets are virtual hosts (OSS_BASE_HOST set, and the RTMP host is a DNS name), else with an
 * unsigned `Bucket` parameter.
 */
export function channelUrls(o: { rtmpBase: string; httpBase: string; bucket: string; channel: string; playlistName: string; defaultBucket?: string; vhost: boolean }): { publishUrl: string; playUrl: string } {
  const base = o.rtmpBase.replace(/\/+$/, '');
  let publishUrl: string;
  if (o.bucket === o.defaultBucket) publishUrl = `${base}/live/${o.channel}`;
  else if (o.vhost && !/^rtmp:\/\/(\d+\.\d+\.\d+\.\d+|\[|localhost[:/]|localhost$)/i.test(base)) publishUrl = `${base.replace(/^rtmp:\/\//, `rtmp://${o.bucket}.`)}/live/${o.channel}`;
  else publishUrl = `${base}/live/${o.channel}?Bucket=${encodeURIComponent(o.bucket)}`;
  return { publishUrl, playUrl: `${o.httpBase.replace(/\/+$/, '')}/${o.bucket}/${o.channel}/${o.playlistName}` };
}
