/**
 * Issue 5.6: per-channel retention. Backdated index rows (via the repos) and their objects (put to
 * the real store) are swept with an injected `now`: expired stored segments go (objects and rows,
 * in batches); a live session, spooled segments, other channels and (unless --include-vod) VOD
 * playlist ranges stay. Plus the CLI: channel create/update --retention-days, retention sweep.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { s3Env, rgw, uniqueBucket, tempDir, runCli, startTestGateway } from '../helpers/gateway.ts';
import { listAll } from '../helpers/faults.ts';
import { openDb, type Db } from '../../db/index.ts';
import { upsertChannel, getChannel } from '../../db/repos/channels.ts';
import { openSession, closeSession } from '../../db/repos/sessions.ts';
import { insertSegment } from '../../db/repos/segments.ts';
import { recordVodPlaylist } from '../../db/repos/vod-playlists.ts';
import { sweepRetention } from '../../app/retention/sweeper.ts';
import { segmentKey } from '../../app/core/object-keys.ts';
import { createStorage } from '../../app/storage/index.ts';
import { loadConfig } from '../../app/config/config.ts';
import type { Storage } from '../../app/storage/types.ts';
import { segments } from '../../db/schema.ts';
import { eq } from 'drizzle-orm';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

/** one session of `n` 2 s segments starting at `fromMs`, each row + object; returns their keys */
async function addSession(db: Db, storage: Storage, chId: number, bucket: string, name: string, fromMs: number, n: number, o: { live?: boolean; spooled?: boolean } = {}) {
  const s = openSession(db, { channelId: chId, remoteAddr: 'test', playlistName: 'playlist.m3u8', targetDuration: 3, now: fromMs });
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const startMs = fromMs + i * 2000;
    const key = segmentKey(name, startMs);
    const seq = db.$client.prepare('UPDATE channels SET next_seq = next_seq + 1 WHERE id = ? RETURNING next_seq - 1 AS s').get(chId) as { s: number };
    insertSegment(db, { channelId: chId, sessionId: s.id, seq: seq.s, discSeq: 0, key, startMs, durationMs: 2000, size: 4, state: o.spooled ? 'spooled' : 'stored', spoolPath: o.spooled ? '/nonexistent/x.ts' : null });
    if (!o.spooled) await storage.put(bucket, key, new Uint8Array([0x47, 0, 0, 0]), { contentType: 'video/mp2t', metadata: { extinf: '2.000' } });
    keys.push(key);
  }
  if (!o.live) closeSession(db, s.id, 'test', fromMs + n * 2000);
  return keys;
}

describe('retention sweeper', () => {
  const dataDir = tempDir('lcg-ret-');
  const env = { DATA_DIR: dataDir, ...(rgw ? s3Env() : {}) };
  const storage = createStorage({ dataDir, s3: loadConfig(env).s3 });
  const bucket = uniqueBucket('ret');
  let db: Db;
  const k: Record<string, string[]> = {};
  let chId = 0;

  before(async () => {
    db = openDb(path.join(dataDir, 'gateway.sqlite'));
    await storage.ensureBucket(bucket);
    const ch = upsertChannel(db, bucket, 'cam', { retentionDays: 7 }).channel;
    const other = upsertChannel(db, bucket, 'keep', {}).channel; // no retention
    chId = ch.id;
    k.old = await addSession(db, storage, ch.id, bucket, 'cam', NOW - 30 * DAY, 10);
    k.vod = await addSession(db, storage, ch.id, bucket, 'cam', NOW - 20 * DAY, 4);
    recordVodPlaylist(db, { channelId: ch.id, name: 'vod.m3u8', startS: Math.floor((NOW - 20 * DAY) / 1000), endS: Math.floor((NOW - 20 * DAY) / 1000) + 7, segments: 4 });
    k.spooled = await addSession(db, storage, ch.id, bucket, 'cam', NOW - 15 * DAY, 2, { spooled: true });
    k.live = await addSession(db, storage, ch.id, bucket, 'cam', NOW - 10 * DAY, 3, { live: true });
    k.recent = await addSession(db, storage, ch.id, bucket, 'cam', NOW - 1 * DAY, 3);
    k.other = await addSession(db, storage, other.id, bucket, 'keep', NOW - 100 * DAY, 2);
  });
  after(() => db?.$client.close());

  const rowKeys = () => db.select().from(segments).all().map((s) => s.key).sort();
  const objects = async () => (await listAll(storage, bucket, '')).sort();

  it('a failing store deletes nothing and keeps the rows for the next sweep', async () => {
    const broken: Storage = { ...storage, delete: async () => { throw new Error('storage down'); } };
    const r = await sweepRetention({ db, storage: broken, now: NOW, batchSize: 4 });
    assert.equal(r.deleted, 0);
    assert.equal(r.failed, 1);
    assert.equal(rowKeys().length, 24);
  });

  it('deletes expired objects and rows in batches; keeps live, spooled, VOD, recent and other channels', async () => {
    const deletes: number[] = [];
    const counting: Storage = { ...storage, delete: (b, keys) => (deletes.push(keys.length), storage.delete(b, keys)) };
    const r = await sweepRetention({ db, storage: counting, now: NOW, batchSize: 4 });
    assert.deepEqual(r, { channels: 1, deleted: 10, batches: 3, keptForVod: 4, failed: 0 });
    assert.deepEqual(deletes, [4, 4, 2], 'batches of at most 4');
    const kept = [...k.vod!, ...k.spooled!, ...k.live!, ...k.recent!, ...k.other!].sort();
    assert.deepEqual(rowKeys(), kept);
    assert.deepEqual(await objects(), [...k.vod!, ...k.live!, ...k.recent!, ...k.other!].sort());
    const again = await sweepRetention({ db, storage, now: NOW });
    assert.equal(again.deleted, 0, 'a second sweep finds nothing');
  });

  it('a segment goes once it ENDED more than N days ago (boundary)', async () => {
    // the VOD session's first segment is [NOW-20d, NOW-20d+2s): its end is 7 days old at NOW-13d+2s
    const edge = NOW - 13 * DAY + 2000;
    assert.equal((await sweepRetention({ db, storage, now: edge, includeVod: true })).deleted, 0);
    assert.equal((await sweepRetention({ db, storage, now: edge + 1, includeVod: true })).deleted, 1);
  });

  it('includeVod (the operator says so) deletes VOD ranges too; the live session is still kept', async () => {
    const r = await sweepRetention({ db, storage, now: NOW, includeVod: true });
    assert.equal(r.deleted, 3, 'the rest of the VOD range');
    assert.deepEqual(rowKeys(), [...k.spooled!, ...k.live!, ...k.recent!, ...k.other!].sort());
    // once the session ended, its old segments go at the next sweep
    db.$client.prepare("UPDATE sessions SET status = 'ended' WHERE status = 'live'").run();
    assert.equal((await sweepRetention({ db, storage, now: NOW })).deleted, 3);
    assert.deepEqual(await objects(), [...k.recent!, ...k.other!].sort());
    assert.equal(db.select().from(segments).where(eq(segments.channelId, chId)).all().filter((s) => s.state === 'stored').length, 3);
  });

  it('CLI: channel create/update --retention-days, retention sweep', async () => {
    const b2 = uniqueBucket('retcli');
    assert.match(await runCli(env, ['channel', 'create', `${b2}/cam`, '--retention-days', '3']), /retention=3d/);
    assert.match(await runCli(env, ['channel', 'update', `${b2}/cam`, '--retention-days', 'off']), /^updated .* retention=off$/);
    assert.match(await runCli(env, ['channel', 'update', `${b2}/cam`, '--retention-days', '2']), /retention=2d/);
    await assert.rejects(runCli(env, ['channel', 'update', `${b2}/nochan`, '--retention-days', '2']), /no channel/);
    await assert.rejects(runCli(env, ['channel', 'update', `${b2}/cam`, '--retention-days', '0']), /retention must be 1\.\.36500 days/);
    assert.match(await runCli(env, ['channel', 'list']), new RegExp(`${b2}/cam\\t.*retention=2d`));
    const ch = getChannel(db, b2, 'cam')!;
    const old = await addSession(db, storage, ch.id, b2, 'cam', Date.now() - 5 * DAY, 3);
    const out = await runCli(env, ['retention', 'sweep']);
    assert.match(out, /retention: \d+ channel\(s\) with retention, 3 segment\(s\) deleted in 1 batch\(es\)/);
    assert.deepEqual((await listAll(storage, b2, '')).filter((x) => old.includes(x)), []);
  });

  it('the gateway runs the sweeper (RETENTION_SWEEP_SEC) on its own store and index', async () => {
    const gw = await startTestGateway({ ...(rgw ? s3Env() : {}), RETENTION_SWEEP_SEC: '3600' });
    try {
      const b3 = uniqueBucket('retgw');
      await gw.storage.ensureBucket(b3);
      const ch = upsertChannel(gw.db, b3, 'cam', { retentionDays: 1 }).channel;
      const old = await addSession(gw.db, gw.storage, ch.id, b3, 'cam', NOW - 3 * DAY, 2);
      const fresh = await addSession(gw.db, gw.storage, ch.id, b3, 'cam', NOW - 1000 * 60, 2);
      assert.equal(gw.config.retentionSweepSec, 3600);
      const r = await gw.retention.run(NOW);
      assert.equal(r.deleted, 2);
      assert.deepEqual((await listAll(gw.storage, b3, '')).sort(), fresh.sort());
      assert.ok(old.every((x) => !gw.db.select().from(segments).all().some((s) => s.key === x && s.channelId === ch.id)));
    } finally {
      await gw.stop(2000);
    }
  });
});
