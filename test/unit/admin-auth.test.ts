/**
 * Pure parts of the admin console: scrypt password hashes, CSRF compare, the sign-in rate
 * limiter, the timeline layout, OBS split, key scope checks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword, passwordProblem, tokenHash, SCRYPT } from '../../app/http/admin/password.ts';
import { csrfOk } from '../../app/http/admin/session.ts';
import { rateCheck, rateHit, rateClear, ratePrune, type RateState } from '../../app/core/rate-limit.ts';
import { layoutTimeline } from '../../app/core/timeline.ts';
import { splitForObs, parseExpiry } from '../../app/http/admin/urls.ts';
import { scopeProblem } from '../../app/http/admin/keys-routes.ts';

describe('admin passwords (scrypt)', () => {
  it('hashes with a random salt and the documented parameters, and verifies', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    assert.notEqual(a, b, 'a fresh salt each time');
    const parts = a.split('$');
    assert.deepEqual(parts.slice(0, 4), ['scrypt', String(SCRYPT.N), String(SCRYPT.r), String(SCRYPT.p)]);
    assert.equal(Buffer.from(parts[4]!, 'base64url').length, 16);
    assert.equal(Buffer.from(parts[5]!, 'base64url').length, 32);
    assert.equal(await verifyPassword('correct horse battery', a), true);
    assert.equal(await verifyPassword('correct horse batterY', a), false);
    assert.equal(await verifyPassword('', a), false);
  });
  it('treats malformed or hostile stored hashes as a mismatch, never a crash', async () => {
    for (const bad of ['', 'plain', 'scrypt$16384$8$1$$', 'scrypt$3$8$1$AAAA$AAAA', 'scrypt$4194304$8$1$AAAA$AAAA', 'bcrypt$x'])
      assert.equal(await verifyPassword('x', bad), false, bad);
    assert.equal(await verifyPassword('x'.repeat(10_000), await hashPassword('y')), false);
  });
  it('asks for 10..256 characters', () => {
    assert.match(passwordProblem('short')!, /at least 10/);
    assert.equal(passwordProblem('long enough pw'), undefined);
    assert.match(passwordProblem('x'.repeat(257))!, /at most 256/);
  });
  it('stores sessions by sha256 of the token', () => {
    assert.equal(tokenHash('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('CSRF compare', () => {
  it('accepts only the exact token and never an empty one', () => {
    assert.equal(csrfOk('tok-123', 'tok-123'), true);
    assert.equal(csrfOk('tok-124', 'tok-123'), false);
    assert.equal(csrfOk('tok-12', 'tok-123'), false);
    assert.equal(csrfOk('', ''), false);
  });
});

describe('sign-in rate limiter (data)', () => {
  const rule = { max: 3, windowMs: 60_000 };
  it('allows max failures per window, then says how long to wait, then resets', () => {
    const s: RateState = new Map();
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(rateCheck(s, 'ip:1', rule, 1000), { allowed: true });
      rateHit(s, 'ip:1', rule, 1000);
    }
    assert.deepEqual(rateCheck(s, 'ip:1', rule, 1000), { allowed: false, retryAfterSec: 60 });
    assert.deepEqual(rateCheck(s, 'ip:1', rule, 31_000), { allowed: false, retryAfterSec: 30 });
    assert.deepEqual(rateCheck(s, 'ip:2', rule, 1000), { allowed: true }, 'keys are separate');
    assert.deepEqual(rateCheck(s, 'ip:1', rule, 61_000), { allowed: true }, 'window over');
    rateHit(s, 'ip:1', rule, 61_000);
    assert.deepEqual(s.get('ip:1'), { count: 1, resetAt: 121_000 });
    rateClear(s, 'ip:1');
    assert.equal(s.has('ip:1'), false);
  });
  it('prunes expired windows and bounds the number of keys', () => {
    const s: RateState = new Map();
    for (let i = 0; i < 10; i++) rateHit(s, `k${i}`, rule, i * 1000);
    ratePrune(s, 62_500, 100);
    assert.deepEqual([...s.keys()], ['k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9']);
    ratePrune(s, 62_500, 2);
    assert.deepEqual([...s.keys()], ['k8', 'k9']);
  });
});

describe('timeline layout', () => {
  const now = Date.UTC(2026, 0, 2, 0, 0, 0);
  const h = 3600_000;
  it('places sessions on the day axis, with the recorded part and the VOD range of each', () => {
    const t = layoutTimeline(
      [
        { id: 1, startMs: now - 30 * h, endMs: now - 25 * h }, // before the window: left out
        { id: 2, startMs: now - 12 * h, endMs: now - 6 * h, recStartMs: now - 12 * h + 1500, recEndMs: now - 6 * h - 500 },
        { id: 3, startMs: now - 60_000, endMs: null, recStartMs: now - 58_000, recEndMs: now - 2000 },
      ],
      { nowMs: now, span: 'day', width: 1000, maxVodSec: 86400 },
    );
    assert.deepEqual(t.bars.map((b) => [b.id, b.x, b.w, b.live]), [[2, 500, 250, false], [3, 994, 6, true]]);
    assert.deepEqual([t.bars[0]!.recX, t.bars[0]!.recW], [500, 250]);
    assert.deepEqual([t.bars[0]!.vodStart, t.bars[0]!.vodEnd], [Math.floor((now - 12 * h + 1500) / 1000), Math.ceil((now - 6 * h - 500) / 1000)]);
    assert.deepEqual(t.ticks.map((x) => x.label), ['-24h', '-20h', '-16h', '-12h', '-8h', '-4h', 'now']);
  });
  it('caps the prefilled VOD range at the longest allowed', () => {
    const t = layoutTimeline([{ id: 1, startMs: now - 5 * 86400_000, endMs: now - 86400_000 }], { nowMs: now, span: 'week', width: 700, maxVodSec: 3600 });
    const b = t.bars[0]!;
    assert.equal(b.vodEnd - b.vodStart, 3600);
    assert.deepEqual([b.x, b.w], [200, 400]);
    assert.equal(t.ticks[0]!.label, '-7d');
  });
});

describe('URL helpers and key scope', () => {
  it('splits a push URL into OBS Server and Stream key', () => {
    assert.deepEqual(splitForObs('rtmp://h:1935/hls/cam?Bucket=b&Signature=a%2Fb'), { server: 'rtmp://h:1935/hls', streamKey: 'cam?Bucket=b&Signature=a%2Fb' });
    assert.deepEqual(splitForObs('rtmp://b.h:1935/live/c1?OSSAccessKeyId=K&x=/y'), { server: 'rtmp://b.h:1935/live', streamKey: 'c1?OSSAccessKeyId=K&x=/y' });
  });
  it('takes only the offered expiry choices', () => {
    assert.equal(parseExpiry('3600'), 3600);
    assert.equal(parseExpiry('999999999999'), 86400);
    assert.equal(parseExpiry(undefined), 86400);
  });
  it('checks scopes entry by entry', () => {
    for (const ok of ['*', 'bucket-a', 'bucket-a/*', 'bucket-a/cam1, bucket-b']) assert.equal(scopeProblem(ok), undefined, ok);
    for (const bad of ['', 'a/b/c', 'Bad_Bucket', 'bucket-a/bad name', 'b1,,b2']) assert.ok(scopeProblem(bad), bad);
  });
});
