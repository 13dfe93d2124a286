/**
 * @module test/helpers/rtmp-raw
 * A minimal RTMP client written from the spec (no library), for hostile-input tests: simple
 * C0/C1/C2 handshake, a chunk writer with a configurable chunk size, AMF0 commands
 * (connect/createStream/publish/play/deleteStream), audio/video/data messages with given
 * timestamps, raw headers for malformed input, and a reader for server messages and onStatus codes.
 * Builders return Buffers so a test can put several messages (publish + media) into ONE TCP write.
 */
import fs from 'node:fs';
import net from 'node:net';
import { randomBytes } from 'node:crypto';

// ---------- AMF0 ----------

/** a pre-encoded AMF0 value, inserted verbatim (for malformed markers) */
export class AmfRaw {
  constructor(readonly bytes: Buffer) {}
}
export type AmfValue = number | boolean | string | null | undefined | AmfRaw | { [k: string]: AmfValue };

export function amf0Encode(v: AmfValue): Buffer {
  if (v instanceof AmfRaw) return v.bytes;
  if (v === null) return Buffer.from([0x05]);
  if (v === undefined) return Buffer.from([0x06]);
  if (typeof v === 'number') {
    const b = Buffer.alloc(9);
    b[0] = 0x00;
    b.writeDoubleBE(v, 1);
    return b;
  }
  if (typeof v === 'boolean') return Buffer.from([0x01, v ? 1 : 0]);
  if (typeof v === 'string') {
    const s = Buffer.from(v, 'utf8');
    if (s.length <= 0xffff) return Buffer.concat([Buffer.from([0x02, s.length >> 8, s.length & 0xff]), s]);
    const h = Buffer.alloc(5);
    h[0] = 0x0c;
    h.writeUInt32BE(s.length, 1);
    return Buffer.concat([h, s]);
  }
  const parts: Buffer[] = [Buffer.from([0x03])];
  for (const [k, val] of Object.entries(v)) parts.push(utf8Short(k), amf0Encode(val));
  parts.push(Buffer.from([0x00, 0x00, 0x09]));
  return Buffer.concat(parts);
}

function utf8Short(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

/** decodes a sequence of AMF0 values (enough for _result/_error/onStatus) */
export function amf0DecodeAll(buf: Buffer): unknown[] {
  const out: unknown[] = [];
  let p = 0;
  const str = (len: number) => {
    const s = buf.toString('utf8', p, p + len);
    p += len;
    return s;
  };
  const one = (): unknown => {
    const m = buf[p++];
    switch (m) {
      case 0x00: p += 8; return buf.readDoubleBE(p - 8);
      case 0x01: return buf[p++] !== 0;
      case 0x02: { const n = buf.readUInt16BE(p); p += 2; return str(n); }
      case 0x0c: { const n = buf.readUInt32BE(p); p += 4; return str(n); }
      case 0x05: return null;
      case 0x06: return undefined;
      case 0x08: p += 4; return obj(); // ECMA array: count, then like an object
      case 0x03: return obj();
      case 0x0a: { const n = buf.readUInt32BE(p); p += 4; const a: unknown[] = []; for (let i = 0; i < n; i++) a.push(one()); return a; }
      case 0x0b: p += 10; return buf.readDoubleBE(p - 8);
      default: throw new Error(`AMF0 marker 0x${m?.toString(16)} at ${p - 1}`);
    }
  };
  const obj = () => {
    const o: Record<string, unknown> = {};
    for (;;) {
      const n = buf.readUInt16BE(p);
      p += 2;
      if (n === 0 && buf[p] === 0x09) { p++; return o; }
      const k = str(n);
      o[k] = one();
    }
  };
  while (p < buf.length) out.push(one());
  return out;
}

// ---------- messages ----------

export const MSG = { SET_CHUNK_SIZE: 1, ABORT: 2, ACK: 3, USER_CONTROL: 4, WINDOW_ACK: 5, PEER_BW: 6, AUDIO: 8, VIDEO: 9, DATA: 18, COMMAND: 20 } as const;

export interface RtmpMessage {
  csid: number;
  type: number;
  streamId: number;
  timestamp: number;
  payload: Buffer;
}

export interface Command {
  name: string;
  transId: number;
  /** values after the transaction id (command object, info, ...) */
  args: unknown[];
  streamId: number;
}

function basicHeader(fmt: number, csid: number): Buffer {
  if (csid >= 2 && csid <= 63) return Buffer.from([(fmt << 6) | csid]);
  if (csid >= 64 && csid <= 319) return Buffer.from([fmt << 6, csid - 64]);
  if (csid >= 320 && csid <= 65599) return Buffer.from([(fmt << 6) | 1, (csid - 64) & 0xff, (csid - 64) >> 8]);
  throw new Error(`chunk stream id ${csid} out of range`);
}

/** a type-0 chunk header (basic + 11-byte message header [+ extended timestamp]) with any length */
export function chunkHeader0(o: { csid: number; timestamp: number; length: number; type: number; streamId: number }): Buffer {
  const ext = o.timestamp >= 0xffffff;
  const h = Buffer.alloc(11 + (ext ? 4 : 0));
  h.writeUIntBE(ext ? 0xffffff : o.timestamp, 0, 3);
  h.writeUIntBE(o.length, 3, 3);
  h[6] = o.type;
  h.writeUInt32LE(o.streamId, 7);
  if (ext) h.writeUInt32BE(o.timestamp >>> 0, 11);
  return Buffer.concat([basicHeader(0, o.csid), h]);
}

/** one message split into chunks of `chunkSize`: a type-0 chunk, then type-3 continuations */
export function chunkMessage(m: RtmpMessage, chunkSize: number): Buffer {
  const ext = m.timestamp >= 0xffffff;
  const parts: Buffer[] = [chunkHeader0({ ...m, length: m.payload.length })];
  const cont = Buffer.concat([basicHeader(3, m.csid), ext ? u32(m.timestamp >>> 0) : Buffer.alloc(0)]);
  for (let off = 0; off < m.payload.length || off === 0; off += chunkSize) {
    if (off > 0) parts.push(cont);
    parts.push(m.payload.subarray(off, off + chunkSize));
    if (m.payload.length === 0) break;
  }
  return Buffer.concat(parts);
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

// ---------- FLV source for real media ----------

export interface FlvTag {
  type: number; // 8 audio, 9 video, 18 data
  timestamp: number;
  data: Buffer;
}

/** the tags of an FLV file (as written by `ffmpeg -f flv`) */
export function readFlvTags(file: string): FlvTag[] {
  const b = fs.readFileSync(file);
  if (b.toString('latin1', 0, 3) !== 'FLV') throw new Error(`${file} is not FLV`);
  const tags: FlvTag[] = [];
  let p = b.readUInt32BE(5) + 4;
  while (p + 11 <= b.length) {
    const type = b[p]!;
    const size = b.readUIntBE(p + 1, 3);
    const timestamp = (b.readUIntBE(p + 4, 3) | (b[p + 7]! << 24)) >>> 0;
    if (p + 11 + size > b.length) break;
    tags.push({ type, timestamp, data: b.subarray(p + 11, p + 11 + size) });
    p += 11 + size + 4;
  }
  return tags;
}

// ---------- client ----------

const HANDSHAKE = 1536;

export class RtmpRawClient {
  /** outgoing chunk size; setChunkSize() changes it for the messages built after it */
  chunkSize = 128;
  readonly messages: RtmpMessage[] = [];
  readonly commands: Command[] = [];
  closed = false;
  readonly closedAt: Promise<void>;
  private inChunkSize = 128;
  private inBuf = Buffer.alloc(0);
  private handshakeLeft = 1 + 2 * HANDSHAKE; // S0 S1 S2
  private s1?: Buffer;
  private s1Waiters: (() => void)[] = [];
  private waiters: (() => void)[] = [];
  private streams = new Map<number, { timestamp: number; length: number; type: number; streamId: number; parts: Buffer[]; got: number }>();
  private transId = 1;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => this.onData(d));
    socket.on('error', () => {});
    this.closedAt = new Promise((r) =>
      socket.on('close', () => {
        this.closed = true;
        this.notify();
        r();
      }),
    );
  }

  static open(port: number, host = '127.0.0.1'): Promise<RtmpRawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => {
        s.off('error', reject);
        resolve(new RtmpRawClient(s));
      });
      s.once('error', reject);
    });
  }

  /** C0 + C1 (simple handshake: time 0, zero, random) */
  c0c1(): Buffer {
    return Buffer.concat([Buffer.from([3]), Buffer.alloc(8), randomBytes(HANDSHAKE - 8)]);
  }

  /** C0 + C1 + C2 in one buffer, for clients that do not wait for S1 (the server echo is not checked) */
  fullHandshakeBytes(): Buffer {
    return Buffer.concat([this.c0c1(), Buffer.alloc(HANDSHAKE)]);
  }

  async handshake(timeoutMs = 5000): Promise<void> {
    await this.write(this.c0c1());
    await this.until(() => this.s1 !== undefined, timeoutMs, 'S0+S1+S2');
    await this.write(this.s1!); // C2 = echo of S1
  }

  write(...bufs: Buffer[]): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || !this.socket.writable) return resolve();
      this.socket.write(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs), () => resolve());
    });
  }

  /** end our side and wait for the close */
  async close(): Promise<void> {
    this.socket.destroy();
    await this.closedAt;
  }

  // ----- builders -----

  message(type: number, payload: Buffer, o: { streamId?: number; timestamp?: number; csid?: number } = {}): Buffer {
    const csid = o.csid ?? (type === MSG.COMMAND ? 3 : type === MSG.AUDIO ? 4 : type === MSG.VIDEO ? 6 : type === MSG.DATA ? 5 : 2);
    return chunkMessage({ csid, type, streamId: o.streamId ?? 0, timestamp: o.timestamp ?? 0, payload }, this.chunkSize);
  }

  command(name: string, args: AmfValue[], streamId = 0, transId = this.transId++): Buffer {
    return this.message(MSG.COMMAND, Buffer.concat([amf0Encode(name), amf0Encode(transId), ...args.map(amf0Encode)]), { streamId });
  }

  connectMsg(o: { app: string; tcUrl?: string; extra?: Record<string, AmfValue> }): Buffer {
    const obj: Record<string, AmfValue> = { app: o.app, type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; raw-test)' };
    if (o.tcUrl !== undefined) obj.tcUrl = o.tcUrl;
    return this.command('connect', [{ ...obj, ...o.extra }], 0, 1);
  }

  createStreamMsg(): Buffer {
    return this.command('createStream', [null]);
  }

  publishMsg(name: AmfValue, streamId = 1): Buffer {
    return this.command('publish', [null, name, 'live'], streamId, 0);
  }

  playMsg(name: string, streamId = 1): Buffer {
    return this.command('play', [null, name, -2000], streamId, 0);
  }

  deleteStreamMsg(streamId = 1): Buffer {
    return this.command('deleteStream', [null, streamId], 0, 0);
  }

  /** Set Chunk Size (type 1); `apply` switches our own writer to it (false for hostile values) */
  setChunkSizeMsg(size: number, apply = true): Buffer {
    const m = this.message(MSG.SET_CHUNK_SIZE, u32(size), { csid: 2 });
    if (apply) this.chunkSize = size;
    return m;
  }

  media(type: number, timestamp: number, data: Buffer, streamId = 1): Buffer {
    return this.message(type, data, { streamId, timestamp });
  }

  /** FLV tags as RTMP messages; timestamps shifted by `offsetMs` */
  tagsMsg(tags: FlvTag[], streamId = 1, offsetMs = 0): Buffer {
    return Buffer.concat(tags.map((t) => this.media(t.type, t.timestamp + offsetMs, t.data, streamId)));
  }

  // ----- high level -----

  async connect(o: { app: string; tcUrl?: string }, timeoutMs = 5000): Promise<Command> {
    await this.write(this.connectMsg(o));
    return this.waitCommand((c) => c.name === '_result' || c.name === '_error', timeoutMs);
  }

  async createStream(timeoutMs = 5000): Promise<number> {
    const n = this.commands.length;
    await this.write(this.createStreamMsg());
    const c = await this.waitCommand((c, i) => i >= n && c.name === '_result', timeoutMs);
    return Number(c.args[1]);
  }

  /** handshake + connect + createStream, as an encoder does before publishing */
  async prepare(app: string, tcUrl: string): Promise<number> {
    await this.handshake();
    const r = await this.connect({ app, tcUrl });
    if (r.name !== '_result') throw new Error(`connect failed: ${JSON.stringify(r.args)}`);
    return this.createStream();
  }

  /** onStatus infos received so far */
  statuses(): { code: string; description: string }[] {
    return this.commands
      .filter((c) => c.name === 'onStatus')
      .map((c) => {
        const info = (c.args[1] ?? {}) as { code?: unknown; description?: unknown };
        return { code: String(info.code), description: String(info.description ?? '') };
      });
  }

  /** the first onStatus, or code 'closed' when the server closed without one */
  async waitStatus(timeoutMs = 5000): Promise<{ code: string; description: string }> {
    await this.until(() => this.statuses().length > 0 || this.closed, timeoutMs, 'onStatus');
    return this.statuses()[0] ?? { code: 'closed', description: '' };
  }

  async waitCommand(pred: (c: Command, i: number) => boolean, timeoutMs = 5000): Promise<Command> {
    let found: Command | undefined;
    await this.until(() => (found = this.commands.find(pred)) !== undefined || this.closed, timeoutMs, 'command');
    if (!found) throw new Error(`connection closed; commands so far: ${this.commands.map((c) => c.name).join(',')}`);
    return found;
  }

  /** true when the server closed the connection within timeoutMs */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    try {
      await this.until(() => this.closed, timeoutMs, 'close');
      return true;
    } catch {
      return false;
    }
  }

  private until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  private notify() {
    for (const w of [...this.waiters]) w();
  }

  // ----- reader -----

  private onData(d: Buffer) {
    if (this.handshakeLeft > 0) {
      const n = Math.min(this.handshakeLeft, d.length);
      this.inBuf = Buffer.concat([this.inBuf, d.subarray(0, n)]);
      this.handshakeLeft -= n;
      d = d.subarray(n);
      if (this.handshakeLeft === 0) {
        this.s1 = this.inBuf.subarray(1, 1 + HANDSHAKE);
        this.inBuf = Buffer.alloc(0);
      }
    }
    if (d.length > 0) {
      this.inBuf = Buffer.concat([this.inBuf, d]);
      try {
        while (this.readChunk());
      } catch (e) {
        this.socket.destroy(e as Error);
      }
    }
    this.notify();
  }

  /** parses one chunk from inBuf; false when more bytes are needed */
  private readChunk(): boolean {
    const b = this.inBuf;
    if (b.length < 1) return false;
    const fmt = b[0]! >> 6;
    let csid = b[0]! & 0x3f;
    let p = 1;
    if (csid === 0) {
      if (b.length < 2) return false;
      csid = 64 + b[1]!;
      p = 2;
    } else if (csid === 1) {
      if (b.length < 3) return false;
      csid = 64 + b[1]! + (b[2]! << 8);
      p = 3;
    }
    const hlen = [11, 7, 3, 0][fmt]!;
    if (b.length < p + hlen) return false;
    const prev = this.streams.get(csid) ?? { timestamp: 0, length: 0, type: 0, streamId: 0, parts: [], got: 0 };
    const st = { ...prev };
    let ts = fmt <= 2 ? b.readUIntBE(p, 3) : -1;
    if (fmt <= 1) {
      st.length = b.readUIntBE(p + 3, 3);
      st.type = b[p + 6]!;
    }
    if (fmt === 0) st.streamId = b.readUInt32LE(p + 7);
    p += hlen;
    if (ts === 0xffffff) {
      if (b.length < p + 4) return false;
      ts = b.readUInt32BE(p);
      p += 4;
    }
    const newMessage = prev.got === 0;
    if (newMessage && fmt !== 3) st.timestamp = fmt === 0 ? ts : prev.timestamp + ts;
    const need = Math.min(this.inChunkSize, st.length - prev.got);
    if (b.length < p + need) return false;
    st.parts = [...prev.parts, b.subarray(p, p + need)];
    st.got = prev.got + need;
    this.inBuf = b.subarray(p + need);
    if (st.got >= st.length) {
      const m: RtmpMessage = { csid, type: st.type, streamId: st.streamId, timestamp: st.timestamp, payload: Buffer.concat(st.parts) };
      st.parts = [];
      st.got = 0;
      this.onMessage(m);
    }
    this.streams.set(csid, st);
    return true;
  }

  private onMessage(m: RtmpMessage) {
    this.messages.push(m);
    if (m.type === MSG.SET_CHUNK_SIZE) this.inChunkSize = m.payload.readUInt32BE(0) & 0x7fffffff;
    if (m.type === MSG.COMMAND) {
      const v = amf0DecodeAll(m.payload);
      this.commands.push({ name: String(v[0]), transId: Number(v[1]), args: v.slice(2), streamId: m.streamId });
    }
  }
}
