// Minimal local declarations for the parts of node-media-server 4.4.3 we use (its @types package describes 2.x).
declare module 'node-media-server/src/protocol/rtmp.js' {
  export interface AVPacket { codec_id: number; codec_type: number; flags: number; pts: number; dts: number; size: number; data: Buffer }
  export default class Rtmp {
    onConnectCallback: (req: unknown) => void;
    onPlayCallback: () => void;
    onPushCallback: () => void;
    onPacketCallback: (p: AVPacket) => void;
    onOutputCallback: (b: Buffer) => void;
    parserData(b: Buffer): string | null;
    connectCmdObj?: { app?: unknown; tcUrl?: unknown; [k: string]: unknown };
    streamId: number;
    streamApp: string;
    streamName: string;
    inChunkSize: number;
    inPackets: Map<number, unknown>;
    parserPacket: { header: { length: number; type: number; stream_id: number }; capacity: number };
    onPublish(msg: { streamName?: unknown; transId?: number }): void;
    onPlay(msg: { streamName?: unknown }): void;
    controlHandler(): void;
    packetAlloc(): void;
    respondPublish(): void;
    sendStatusMessage(sid: number, level: string, code: string, description: string): void;
  }
}
declare module 'node-media-server/src/protocol/flv.js' {
  import type { AVPacket } from 'node-media-server/src/protocol/rtmp.js';
  export default class Flv {
    static createHeader(hasAudio: boolean, hasVideo: boolean): Buffer;
    static createMessage(p: AVPacket): Buffer;
  }
}
declare module 'node-media-server/src/protocol/amf.js' {
  const AMF: { decodeAmf0Data(b: Buffer): Record<string, any> };
  export default AMF;
}
declare module 'node-media-server/src/protocol/sps_info.js' {
  export function parseH264Sps(sps: Buffer): { width: number; height: number; [k: string]: unknown };
}
