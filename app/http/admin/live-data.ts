/**
 * @module http/admin/live-data
 * Read model of the console: live rows (recorder entries + measured stream info + backlog),
 * a channel's status and timeline, the access keys that may sign for a channel.
 */
import type { AppDeps } from '../deps.ts';
import type { LiveEntry } from '../../segmenter/recorder.ts';
import type { AccessKey, Channel } from '../../../db/schema.ts';
import { backlog } from '../../../db/repos/segments.ts';
import { channelHistory } from '../../../db/repos/sessions.ts';
import { keyCovers, listKeys } from '../../../db/repos/keys.ts';
import { sessionSpans } from '../../../db/repos/timeline.ts';
import { measured } from '../../ingest/stream-info.ts';
import { layoutTimeline, SPANS, type SpanName } from '../../core/timeline.ts';
import type { LiveRow } from '../../../views/fragments/live-table.tsx';
import { ChannelStatus } from '../../../views/fragments/channel-status.tsx';
import { Timeline, TL_WIDTH } from '../../../views/fragments/timeline.tsx';
import { LiveTable } from '../../../views/fragments/live-table.tsx';

export function liveRow(deps: AppDeps, e: LiveEntry): LiveRow {
  const m = measured(e.info);
  const b = backlog(deps.db, e.channelId);
  return {
    channelId: e.channelId, bucket: e.bucket, channel: e.channel, remote: e.remote, startedAt: e.startedAt,
    videoCodec: e.info.videoCodec, width: e.info.width, height: e.info.height, fps: m.fps, videoKbps: m.videoKbps ?? e.info.videoKbpsDeclared,
    audioCodec: e.info.audioCodec, sampleRate: e.info.sampleRate, audioKbps: m.audioKbps ?? e.info.audioKbpsDeclared,
    segments: e.segments, backlogCount: b.count, backlogBytes: b.bytes,
  };
}

export const liveTable = (deps: AppDeps) =>
  LiveTable({ rows: deps.recorder.live().map((e) => liveRow(deps, e)), uploads: deps.uploader.stats(), now: Date.now() });

export const isChannelLive = (deps: AppDeps, ch: Channel) => deps.recorder.isBusy(ch.bucket, ch.name);

export function channelStatus(deps: AppDeps, ch: Channel) {
  const e = deps.recorder.live().find((x) => x.channelId === ch.id);
  return ChannelStatus({ channelId: ch.id, live: e && liveRow(deps, e), history: channelHistory(deps.db, ch.id, 20), now: Date.now() });
}

export function channelTimeline(deps: AppDeps, ch: Channel, spanParam: string | undefined, spanLink: (s: SpanName) => string) {
  const span: SpanName = spanParam === 'week' ? 'week' : 'day';
  const now = Date.now();
  const spans = sessionSpans(deps.db, ch.id, now - SPANS[span], now);
  const t = layoutTimeline(spans, { nowMs: now, span, width: TL_WIDTH, maxVodSec: deps.config.vodMaxRangeSec });
  return Timeline({ channelId: ch.id, bars: t.bars, ticks: t.ticks, span, spanLink: { day: spanLink('day'), week: spanLink('week') } });
}

/** enabled keys covering the channel first, then the rest (the picker shows all) */
export function keysFor(deps: AppDeps, ch?: Channel): AccessKey[] {
  const keys = listKeys(deps.db);
  if (!ch) return keys;
  const good = (k: AccessKey) => k.enabled && keyCovers(k, ch.bucket, ch.name);
  return [...keys.filter(good), ...keys.filter((k) => !good(k))];
}
