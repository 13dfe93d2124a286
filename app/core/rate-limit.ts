/**
 * @module core/rate-limit
 * Failure counting as data (fixed windows): in a state map, a key (an IP, a user name) and the
 * time; out: allowed or how many seconds to wait. Pure: `now` is passed in.
 */
export interface RateRule {
  /** failures allowed inside one window */
  max: number;
  windowMs: number;
}

export type RateState = Map<string, { count: number; resetAt: number }>;

export function rateCheck(state: RateState, key: string, rule: RateRule, now: number): { allowed: true } | { allowed: false; retryAfterSec: number } {
  const e = state.get(key);
  if (!e || e.resetAt <= now || e.count < rule.max) return { allowed: true };
  return { allowed: false, retryAfterSec: Math.max(1, Math.ceil((e.resetAt - now) / 1000)) };
}

/** count one failure */
export function rateHit(state: RateState, key: string, rule: RateRule, now: number): void {
  const e = state.get(key);
  if (!e || e.resetAt <= now) state.set(key, { count: 1, resetAt: now + rule.windowMs });
  else e.count += 1;
}

/** take back one counted failure (the attempt succeeded) */
export function rateUndo(state: RateState, key: string): void {
  const e = state.get(key);
  if (e && --e.count <= 0) state.delete(key);
}

export function rateClear(state: RateState, key: string): void {
  state.delete(key);
}

/** drop expired windows; when still over `maxKeys`, drop the oldest (bounded memory under a spray of IPs) */
export function ratePrune(state: RateState, now: number, maxKeys: number): void {
  for (const [k, e] of state) if (e.resetAt <= now) state.delete(k);
  if (state.size <= maxKeys) return;
  const byAge = [...state.entries()].sort((a, b) => a[1].resetAt - b[1].resetAt);
  for (const [k] of byAge.slice(0, state.size - maxKeys)) state.delete(k);
}
