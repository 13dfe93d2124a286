/**
 * Issue 5.2: the gateway (a child process, `node --import tsx app/main.ts`) is killed with SIGKILL
 * mid-push and started again on the same DATA_DIR. Segments already cut are uploaded from the
 * spool, the interrupted session is closed with a reason, SQLite is intact (WAL, integrity_check),
 * and the next push continues MEDIA-SEQUENCE after a discontinuity.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { s3Env, rgw, waitFor, uniqueBucket, tempDir } from '../helpers/gateway.ts';
import { push } from '../helpers/ffmpeg.ts';
import { startChildGateway, listAll, readIndex, integrityCheck, readPlaylist, type ChildGateway } from '../helpers/faults.ts';
import { createStorage } from '../../app/storage/index.ts';
import { loadConfig } from '../../app/config/config.ts';

describe('gateway killed with SIGKILL mid-push', { skip: rgw ? false : 'TEST_S3_ENDPOINT not set' }, () => {
  const dataDir = tempDir('lcg-crash-');
  const dbFile = path.join(dataDir, 'gateway.sqlite');
  const bucket = uniqueBucket('crash');
  const env = { ...s3Env(), DATA_DIR: dataDir, LIVE_END_GRACE: '2' };
  const storage = createStorage({ dataDir, s3: loadConfig(env).s3 });
  let gw: ChildGateway | undefined;
  after(async () => {
    gw?.kill('SIGKILL');
    await gw?.exited;
  });

  it('restart uploads the spool, closes the session with a reason, continues the sequence after a discontinuity', async () => {
    gw = await startChildGateway(env);
    const key = JSON.parse(await gw.cli('key', 'create', '--json')) as { id: string };
    await gw.cli('channel', 'create', `${bucket}/cam`, '--frag-duration', '2', '--frag-count', '4');
    const p1 = push(await gw.cli('sign', 'push', `${bucket}/cam`, '--key', key.id), 30);
    await waitFor('4 segments cut', () => readIndex(dbFile, bucket, 'cam').segments.length >= 4, 30_000, 200);
    gw.kill('SIGKILL');
    assert.equal((await gw.exited).signal, 'SIGKILL');
    const r1 = await p1;
    assert.notEqual(r1.code, 0, 'the encoder lost its connection');
    const before = readIndex(dbFile, bucket, 'cam');
    assert.equal(before.sessions[0]!.status, 'live', 'the killed process could not close its session');
    assert.equal(integrityCheck(dbFile).integrity, 'ok', 'the database survived SIGKILL');
    // the orphaned segmenter ffmpeg saw EOF on stdin and flushed what it had into the spool
    const spoolFiles = () => fs.readdirSync(path.join(dataDir, 'spool'), { recursive: true }).filter((f) => String(f).endsWith('.ts'));
    const spooled = await waitFor('orphan ffmpeg flushed', () => spoolFiles().length > 0 && spoolFiles(), 10_000);
    const unindexed = spooled.length - before.segments.filter((s) => s.state === 'spooled').length;

    gw = await startChildGateway(env);
    const after1 = await waitFor('spool uploaded after restart', () => {
      const r = readIndex(dbFile, bucket, 'cam');
      return r.sessions[0]!.status === 'ended' && r.segments.every((s) => s.state === 'stored') && r;
    }, 60_000, 250);
    assert.equal(after1.sessions[0]!.endReason, 'interrupted: gateway restarted');
    assert.equal(after1.segments.length, before.segments.length + unindexed, 'segments ffmpeg finished after the kill were indexed too');
    assert.ok(unindexed >= 0);
    assert.equal(after1.sessions[0]!.segments, after1.segments.length);
    assert.deepEqual(spoolFiles(), [], 'spool emptied');
    assert.match(gw.log(), /session \d+ \(channel \d+\) was live when the gateway stopped; closed as interrupted/);
    assert.match(gw.log(), /recovered \d+ spooled segment\(s\) from a previous run; uploading/);
    await waitFor('bucket = index', async () => (await listAll(storage, bucket, 'cam/')).filter((k) => k.endsWith('.ts')).length === after1.segments.length, 15_000, 250);
    assert.deepEqual((await listAll(storage, bucket, 'cam/')).filter((k) => k.endsWith('.ts')), after1.segments.map((s) => s.key));
    const ended = await waitFor('interrupted session playlist ends', async () => {
      const pl = await readPlaylist(storage, bucket, 'cam/playlist.m3u8');
      return pl.endList && pl;
    }, 15_000, 250);
    assert.equal(ended.mediaSequence, after1.segments.at(-4)!.seq);

    // next push on the channel: new session, discontinuity, sequence continues
    const r2 = await push(await gw.cli('sign', 'push', `${bucket}/cam`, '--key', key.id), 5);
    assert.equal(r2.code, 0, r2.stderr);
    const after2 = await waitFor('second session stored', () => {
      const r = readIndex(dbFile, bucket, 'cam');
      return r.sessions.length === 2 && r.sessions[1]!.status === 'ended' && r.segments.every((s) => s.state === 'stored') && r;
    }, 30_000, 250);
    const second = after2.segments.filter((s) => s.sessionId === after2.sessions[1]!.id);
    const first = after2.segments.filter((s) => s.sessionId === after2.sessions[0]!.id);
    assert.ok(second.length >= 2 && second.length < 4, `5 s in 2 s segments: ${second.length}`);
    assert.equal(second[0]!.seq, first.at(-1)!.seq + 1, 'MEDIA-SEQUENCE continues');
    assert.equal(second[0]!.discSeq, first.at(-1)!.discSeq + 1, 'a new discontinuity');
    const pl = await waitFor('playlist names the second session', async () => {
      const p = await readPlaylist(storage, bucket, 'cam/playlist.m3u8');
      return p.entries.at(-1)?.uri === second.at(-1)!.key.slice(4) && p;
    }, 15_000, 250);
    const last4 = after2.segments.slice(-4);
    assert.equal(pl.mediaSequence, last4[0]!.seq, pl.text);
    const discAt = last4.findIndex((s) => s.sessionId === after2.sessions[1]!.id);
    assert.ok(discAt > 0, 'the window spans both sessions');
    assert.equal(pl.entries[discAt]!.discontinuity, true, pl.text);
    assert.equal(pl.entries.filter((e) => e.discontinuity).length, 1, pl.text);

    gw.kill('SIGTERM');
    assert.equal((await gw.exited).code, 0);
    gw = undefined;
    const chk = integrityCheck(dbFile);
    assert.deepEqual(chk, { integrity: 'ok', journal: 'wal' });
  });
});
