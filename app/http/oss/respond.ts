/**
 * @module http/oss/respond
 * OSS-shaped answers: XML bodies with x-oss-request-id, and the <Error> document for refusals.
 */
import { randomBytes } from 'node:crypto';
import { ossErrorBody } from '../../core/oss/live-channel.ts';
import { clip } from '../../core/names.ts';

export interface OssCtx {
  requestId: string;
  hostId: string;
}

export const newRequestId = () => randomBytes(12).toString('hex').toUpperCase();

export function ossXml(ctx: OssCtx, body: string, status = 200): Response {
  return new Response(body, { status, headers: { 'content-type': 'application/xml', 'x-oss-request-id': ctx.requestId } });
}

export function ossEmpty(ctx: OssCtx, status: 200 | 204): Response {
  return new Response(null, { status, headers: { 'x-oss-request-id': ctx.requestId } });
}

export function ossError(ctx: OssCtx, status: number, code: string, message: string, extra?: [string, string][]): Response {
  const body = ossErrorBody({ code, message, requestId: ctx.requestId, hostId: clip(ctx.hostId, 255), extra });
  return new Response(body, {
    status,
    headers: { 'content-type': 'application/xml', 'x-oss-request-id': ctx.requestId, 'x-oss-ec': code },
  });
}
