/**
 * @module core/backoff
 * Retry policy as data plus a pure delay function (hls.js style): exponential with a cap and
 * jitter from the caller's random source.
 */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
}

export const UPLOAD_RETRY: RetryPolicy = { baseMs: 500, maxMs: 15_000 };

/** delay before attempt number `attempt` (1 = first retry); jitter in [0.5, 1) of the step */
export function getRetryDelay(p: RetryPolicy, attempt: number, random = Math.random): number {
  const step = Math.min(p.maxMs, p.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step * (0.5 + random() / 2));
}
