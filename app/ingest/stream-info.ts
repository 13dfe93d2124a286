/**
 * @module ingest/stream-info
 * What an encoder sends, for live status: codecs, resolution, frame rate, sample rate and
 * measured bitrates. Also refuses codecs the HLS/MPEG-TS path cannot carry.
 */
import { createRequire } from 'node:module';
import type { AVPacket } from 'node-media-server/src/protocol/rtmp.js';

const require = createRequire(import.meta.url);
const { parseH264Sps } = require('node-media-server/src/protocol/sps_info.js') as typeof import('node-media-server/src/protocol/sps_info.js');
const AMF = require('node-media-server/src/protocol/amf.js') as typeof import('node-media-server/src/protocol/amf.js').default;

export interface StreamInfo {
  videoCodec?: string;
  width?: number;
  height?: number;
  fps?: number;
  audioCodec?: string;
  sampleRate?: number;
  channels?: number;
  videoBytes?: number;
  audioBytes?: number;
  videoFrames?: number;
  firstDts?: number;
  lastDts?: number;
  /** encoder-declared bitrates (kbps) from onMetaData */
  videoKbpsDeclared?: number;
  audioKbpsDeclared?: number;
}

const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
const AUDIO_NAMES: Record<number, string> = { 2: 'MP3', 10: 'AAC' };

/** returns a refusal reason when the stream cannot be segmented into MPEG-TS, else undefined */
export function updateInfoFromPacket(info: StreamInfo, p: AVPacket): string | undefined {
  const d = p.data;
  if (p.codec_type === 9) {
    const exHeader = (d[0]! & 0x80) !== 0;
    const codecId = d[0]! & 0x0f;
    if (exHeader || codecId !== 7) return 'only H.264 video is supported (the encoder sent ' + (exHeader ? 'enhanced-RTMP video' : `FLV codec ${codecId}`) + ')';
    info.videoCodec = 'H.264';
    if (p.flags === 2 && p.size > 10) {
      // AVCDecoderConfigurationRecord after the 5-byte FLV video header
      const numSps = d[10]! & 0x1f;
      if (numSps > 0 && p.size >= 13) {
        const len = d.readUInt16BE(11);
        // NMS reuses packet buffers: bytes past p.size are a previous message's
        const sps = parseH264Sps(d.subarray(13, Math.min(13 + len, p.size)));
        if (sps) {
          info.width = sps.width;
          info.height = sps.height;
        }
      }
    } else {
      info.videoBytes = (info.videoBytes ?? 0) + p.size;
      info.videoFrames = (info.videoFrames ?? 0) + 1;
    }
  } else if (p.codec_type === 8) {
    const fmt = d[0]! >> 4;
    if (fmt !== 10 && fmt !== 2) return `only AAC or MP3 audio is supported (the encoder sent FLV sound format ${fmt})`;
    info.audioCodec = AUDIO_NAMES[fmt];
    if (fmt === 10 && p.flags === 0 && p.size >= 4) {
      const freq = ((d[2]! & 0x07) << 1) | (d[3]! >> 7);
      info.sampleRate = AAC_RATES[freq];
      info.channels = (d[3]! >> 3) & 0x0f;
    } else {
      info.audioBytes = (info.audioBytes ?? 0) + p.size;
    }
  } else if (p.codec_type === 18) {
    try {
      const m = AMF.decodeAmf0Data(d.subarray(0, p.size));
      const o = (m.dataObj ?? m.cmdObj ?? {}) as Record<string, unknown>;
      const num = (k: string) => (typeof o[k] === 'number' && Number.isFinite(o[k]) ? (o[k] as number) : undefined);
      info.fps = num('framerate') ? Math.round(num('framerate')!) : info.fps;
      info.width ??= num('width');
      info.height ??= num('height');
      info.videoKbpsDeclared = num('videodatarate') ? Math.round(num('videodatarate')!) : undefined;
      info.audioKbpsDeclared = num('audiodatarate') ? Math.round(num('audiodatarate')!) : undefined;
      info.sampleRate ??= num('audiosamplerate');
    } catch {
      /* metadata is advisory */
    }
    return undefined;
  }
  if (p.codec_type === 8 || p.codec_type === 9) {
    info.firstDts ??= p.dts;
    info.lastDts = p.dts;
  }
  return undefined;
}

/** measured bitrates (kbps) and frame rate over the media time seen so far */
export function measured(info: StreamInfo): { videoKbps?: number; audioKbps?: number; fps?: number } {
  const spanMs = (info.lastDts ?? 0) - (info.firstDts ?? 0);
  if (spanMs < 1000) return { fps: info.fps };
  return {
    videoKbps: info.videoBytes ? Math.round((info.videoBytes * 8) / spanMs) : undefined,
    audioKbps: info.audioBytes ? Math.round((info.audioBytes * 8) / spanMs) : undefined,
    fps: info.fps ?? (info.videoFrames ? Math.round((info.videoFrames * 1000) / spanMs) : undefined),
  };
}
