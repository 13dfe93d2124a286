/**
 * @module ingest/rtmp-server
 * RTMP server for encoders. Uses node-media-server's RTMP protocol parser (handshake, chunking,
 * AMF) but owns every connection: publish is authorised before NMS's auto "Publish.Start" goes
 * out, media from an unauthorised or non-publishing session is dropped at the source, play is
 * refused, parser exceptions close only that connection, and silent sockets time out.
 * (These close the node-media-server 4.x holes listed in shared/notes/ingest-facts.md.)
 * In: TCP connections. Out: accepted Publications carrying FLV tags.
 */
import net from 'node:net';
import { createRequire } from 'node:module';
import type RtmpT from 'node-media-server/src/protocol/rtmp.js';
import type { AVPacket } from 'node-media-server/src/protocol/rtmp.js';
import type FlvT from 'node-media-server/src/protocol/flv.js';
import { logger, redact } from '../log.ts';
import { clip } from '../core/names.ts';
import { type StreamInfo, updateInfoFromPacket } from './stream-info.ts';

const require = createRequire(import.meta.url);
const Rtmp: typeof RtmpT = require('node-media-server/src/protocol/rtmp.js');
const Flv: typeof FlvT = require('node-media-server/src/protocol/flv.js');
// NMS's module logger prints a line per unknown AMF command or field, which any client can
// trigger before auth (a log flood); we log what matters ourselves, so silence it entirely
require('node-media-server/src/core/logger.js').log = () => {};

const log = logger('rtmp');

/** limits for what a client may make us allocate */
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024; // far above any real 2.5-20 Mbps keyframe
const MAX_PRE_PUBLISH_MESSAGE = 64 * 1024; // commands only: connect, createStream, publish
/** all chunk streams' reassembly buffers together (NMS keeps one per chunk stream, sized to its largest message) */
const MAX_BUFFERED_BYTES = 2 * MAX_MESSAGE_BYTES;
const MAX_CHUNK_STREAMS = 64;
const MAX_CHUNK_SIZE = 0x7fffffff; // RTMP spec: 31 bits
const MAX_PRE_PUBLISH_BYTES = 256 * 1024; // handshake + connect + createStream + publish
const MAX_OUTPUT_QUEUE = 1024 * 1024; // replies queued for a client that does not read
const MAX_STREAM_NAME = 4096;

export interface PublishRequest {
  app: string; // app without query
  name: string; // stream name without query
  /** raw query string (no '?'), from the stream name, else the app, else tcUrl */
  query: string;
  /** host of tcUrl (for virtual-host buckets) */
  host: string;
  remote: string; // "addr:port"
}

export type AuthDecision<T> = { ok: true; ctx: T } | { ok: false; code: string; reason: string };

export interface Publication<T> {
  readonly id: number;
  readonly ctx: T;
  readonly remote: string;
  readonly info: StreamInfo;
  /** the latest FLV header tags (metadata, AVC and AAC sequence headers), for restarting a consumer */
  headerTags(): Buffer[];
  /** consumer sets this; return false to apply back-pressure until resume() */
  onTag: (tag: Buffer, p: { type: number; keyframe: boolean; dts: number }) => boolean;
  resume(): void;
  close(reason: string): void;
  /** called once when the connection ends, with the reason */
  onClose(cb: (reason: string) => void): void;
}

export interface RtmpIngestOptions<T> {
  port: number;
  bind: string;
  apps: string[];
  idleTimeoutSec: number;
  /** synchronous, so no media can slip in between the publish command and the decision */
  authorize(req: PublishRequest): AuthDecision<T>;
  onPublish(pub: Publication<T>): void;
  /** called when a publication ends (after its onClose callbacks) */
  onUnpublish?(pub: Publication<T>, reason: string): void;
}

export interface RtmpIngest {
  readonly port: number;
  connections(): number;
  /** stop listening; with drop=true also end every connection */
  close(drop?: boolean): Promise<void>;
}

let nextId = 1;

export function startRtmpIngest<T>(opts: RtmpIngestOptions<T>): Promise<RtmpIngest> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    try {
      handleConnection(socket, opts);
    } catch (e) {
      log.warn(`connection setup failed: ${(e as Error).message}`);
      socket.destroy();
    }
  });
  return new Promise((resolve, reject) => {
    // a listen error (EADDRINUSE) is the caller's to report; later errors are logged
    server.once('error', reject);
    server.listen(opts.port, opts.bind, () => {
      server.off('error', reject);
      server.on('error', (e) => log.error(`server error: ${e.message}`));
      const addr = server.address() as net.AddressInfo;
      resolve({
        port: addr.port,
        connections: () => sockets.size,
        close: (drop = false) =>
          new Promise<void>((res) => {
            server.close(() => res());
            if (drop) for (const s of sockets) s.destroy();
          }),
      });
    });
  });
}

function handleConnection<T>(socket: net.Socket, opts: RtmpIngestOptions<T>) {
  const id = nextId++;
  const remote = `${socket.remoteAddress}:${socket.remotePort}`;
  const rtmp = new Rtmp();
  // every Rtmp allocates a 1 MB FLV file parser we never use: 500 idle sockets held 500 MB
  (rtmp as unknown as { flv?: unknown }).flv = undefined;
  let state: 'handshake' | 'publishing' | 'closing' = 'handshake';
  let inBytes = 0;
  let closeReason = '';
  const closeCbs: ((reason: string) => void)[] = [];
  let pub: (Publication<T> & { info: StreamInfo }) | undefined;
  const headers: { meta?: Buffer; video?: Buffer; audio?: Buffer } = {};

  socket.setNoDelay(true);
  socket.setKeepAlive(true, 10_000);
  // a connection that never publishes, or a publisher that goes silent, is cut
  socket.setTimeout(opts.idleTimeoutSec * 1000, () => end(state === 'publishing' ? 'encoder silent (timeout)' : 'no publish before timeout', true));
  // ...and one that keeps trickling bytes (acks, pings) without publishing is cut too
  const publishDeadline = setTimeout(() => state === 'handshake' && end('no publish before timeout', true), opts.idleTimeoutSec * 1000);
  publishDeadline.unref();

  const end = (reason: string, hard = false) => {
    if (state === 'closing') return;
    const wasPublishing = state === 'publishing';
    state = 'closing';
    closeReason = reason;
    rtmp.onPacketCallback = () => {}; // nothing more reaches a consumer
    socket.pause();
    if (hard) socket.destroy();
    else {
      socket.end();
      setTimeout(() => socket.destroy(), 2000).unref();
    }
    if (wasPublishing) log.info(`session ${id} ${remote} ended: ${reason}`);
  };

  rtmp.onOutputCallback = (buf) => {
    if (socket.destroyed || !socket.writable) return;
    if (socket.writableLength > MAX_OUTPUT_QUEUE) return end('client does not read replies', true);
    socket.write(buf);
  };
  rtmp.onPacketCallback = () => {}; // media before an accepted publish is dropped

  // guards on the parser's control paths (hostile chunk sizes and allocations)
  const controlHandler = rtmp.controlHandler.bind(rtmp);
  rtmp.controlHandler = () => {
    controlHandler();
    if (!(rtmp.inChunkSize >= 1 && rtmp.inChunkSize <= MAX_CHUNK_SIZE)) throw new Error(`invalid chunk size ${rtmp.inChunkSize}`);
  };
  const packetAlloc = rtmp.packetAlloc.bind(rtmp);
  rtmp.packetAlloc = () => {
    const len = rtmp.parserPacket.header.length;
    if (len > (state === 'publishing' ? MAX_MESSAGE_BYTES : MAX_PRE_PUBLISH_MESSAGE)) throw new Error(`message of ${len} bytes is too large`);
    if (rtmp.inPackets.size > MAX_CHUNK_STREAMS) throw new Error('too many chunk streams');
    if (rtmp.parserPacket.capacity < len) {
      // a header alone makes NMS allocate the whole message: bound the sum over chunk streams
      let total = len + 1024;
      for (const p of rtmp.inPackets.values()) if (p !== rtmp.parserPacket) total += (p as { capacity: number }).capacity;
      if (total > MAX_BUFFERED_BYTES) throw new Error(`chunk streams would buffer ${total} bytes`);
    }
    packetAlloc();
  };

  rtmp.onPlay = () => {
    if (state === 'closing') return; // rest of a buffer parsed after the end: no more replies
    log.info(`session ${id} ${remote} play refused: RTMP is for encoders; use the HLS link`);
    rtmp.sendStatusMessage(rtmp.parserPacket.header.stream_id, 'error', 'NetStream.Play.Failed', 'playback over RTMP is not offered; use the signed HLS link');
    end('play refused');
  };

  rtmp.onPublish = (msg) => {
    const streamId = rtmp.parserPacket.header.stream_id;
    const refuse = (code: string, reason: string) => {
      log.warn(`session ${id} ${remote} publish refused (${code}): ${reason}`);
      // BadName makes OBS and ffmpeg show the reason instead of retrying blindly
      rtmp.sendStatusMessage(streamId, 'error', 'NetStream.Publish.BadName', reason);
      end(`refused: ${code}`);
    };
    if (state === 'closing') return;
    if (state !== 'handshake') return refuse('already-publishing', 'this connection is already publishing');
    const raw = msg.streamName;
    if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_STREAM_NAME) return refuse('bad-name', 'stream name missing or too long');
    const cmd = rtmp.connectCmdObj ?? {};
    const rawApp = typeof cmd.app === 'string' ? cmd.app : '';
    const tcUrl = typeof cmd.tcUrl === 'string' ? cmd.tcUrl : '';
    const [appPath, appQuery = ''] = splitOnce(rawApp, '?');
    const [name, nameQuery = ''] = splitOnce(raw, '?');
    let host = '';
    let tcQuery = '';
    try {
      const u = new URL(tcUrl);
      host = u.hostname;
      tcQuery = u.search.slice(1);
    } catch {
      /* tcUrl is optional for us */
    }
    const app = appPath.replace(/\/+$/, '');
    if (!opts.apps.includes(app)) return refuse('unknown-app', `unknown application '${clip(app)}' (use ${opts.apps.join(' or ')})`);
    const req: PublishRequest = { app, name, query: nameQuery || appQuery || tcQuery, host, remote };
    log.debug(`session ${id} ${remote} publish /${app}/${clip(name)}?${redact(req.query)}`);
    let decision: AuthDecision<T>;
    try {
      decision = opts.authorize(req);
    } catch (e) {
      log.error(`session ${id} authorize failed: ${(e as Error).message}`);
      return refuse('internal', 'internal error');
    }
    if (!decision.ok) return refuse(decision.code, decision.reason);
    rtmp.streamId = streamId;
    rtmp.streamApp = app;
    rtmp.streamName = name;
    rtmp.respondPublish();
    state = 'publishing';
    const info: StreamInfo = {};
    let paused = false;
    pub = {
      id,
      ctx: decision.ctx,
      remote,
      info,
      headerTags: () => [headers.meta, headers.video, headers.audio].filter((b): b is Buffer => !!b),
      onTag: () => true,
      resume: () => {
        if (paused && state === 'publishing') {
          paused = false;
          socket.setTimeout(opts.idleTimeoutSec * 1000); // silence counts again
          socket.resume();
        }
      },
      close: (reason) => end(reason),
      onClose: (cb) => closeCbs.push(cb),
    };
    const p = pub;
    rtmp.onPacketCallback = (packet: AVPacket) => {
      if (packet.codec_type !== 8 && packet.codec_type !== 9 && packet.codec_type !== 18) return;
      let tag = Flv.createMessage(stripSetDataFrame(packet));
      const problem = updateInfoFromPacket(info, packet);
      if (problem) return end(problem);
      const keyframe = packet.codec_type === 9 && packet.flags === 3;
      if (packet.codec_type === 18) headers.meta = tag;
      else if (packet.codec_type === 9 && packet.flags === 2) headers.video = tag;
      else if (packet.codec_type === 8 && packet.flags === 0) headers.audio = tag;
      if (!p.onTag(tag, { type: packet.codec_type, keyframe, dts: packet.dts })) {
        paused = true;
        // we stopped reading (the segmenter is behind): that is not the encoder going silent
        socket.setTimeout(0);
        socket.pause();
      }
    };
    try {
      opts.onPublish(pub);
    } catch (e) {
      log.error(`session ${id} start failed: ${(e as Error).message}`);
      end('internal error');
    }
  };

  socket.on('data', (data: Buffer) => {
    if (state === 'closing') return;
    inBytes += data.length;
    if (state === 'handshake' && inBytes > MAX_PRE_PUBLISH_BYTES) return end('too much data before publish', true);
    try {
      const err = rtmp.parserData(data);
      if (err) end(`protocol error: ${err}`, true);
    } catch (e) {
      // malformed input from one client must never take the process down
      log.warn(`session ${id} ${remote} protocol error: ${clip((e as Error).message, 120)}`);
      end('protocol error', true);
    }
  });
  socket.on('error', (e) => {
    if (!closeReason) closeReason = `socket error: ${e.message}`;
  });
  socket.on('close', () => {
    clearTimeout(publishDeadline);
    const wasPublishing = pub !== undefined;
    if (state !== 'closing') {
      state = 'closing';
      closeReason = closeReason || 'encoder disconnected';
      rtmp.onPacketCallback = () => {};
      if (wasPublishing) log.info(`session ${id} ${remote} ended: ${closeReason}`);
    }
    if (pub) {
      for (const cb of closeCbs) safe(() => cb(closeReason));
      safe(() => opts.onUnpublish?.(pub!, closeReason));
    }
  });
}

function splitOnce(s: string, sep: string): [string, string?] {
  const i = s.indexOf(sep);
  return i < 0 ? [s] : [s.slice(0, i), s.slice(i + 1)];
}

/** RTMP publishers send "@setDataFrame", "onMetaData", {...}; an FLV file carries "onMetaData", {...} */
function stripSetDataFrame(p: AVPacket): AVPacket {
  if (p.codec_type !== 18) return p;
  const d = p.data.subarray(0, p.size);
  const prefix = Buffer.from([0x02, 0x00, 0x0d, ...Buffer.from('@setDataFrame')]);
  if (d.length > prefix.length && d.subarray(0, prefix.length).equals(prefix)) {
    const data = d.subarray(prefix.length);
    return { ...p, data, size: data.length };
  }
  return p;
}

function safe(f: () => void) {
  try {
    f();
  } catch (e) {
    log.error(`listener failed: ${(e as Error).message}`);
  }
}
