/**
 * The upload queue against the embedded store: order, the playlist written after the segments it names,
 * and a segment whose spool file vanished becomes 'lost' (logged, out of the backlog) instead of blocking.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../../db/index.ts';
import { reserveSeq, upsertChannel } from '../../db/repos/channels.ts';
import { openSession, closeSession } from '../../db/repos/sessions.ts';
import { backlog, insertSegment, sessionSegments } from '../../db/repos/segments.ts';
import { createLocalDiskStorage } from '../../app/storage/index.ts';
import { createUploader } from '../../app/uploads/queue.ts';
import { createLivePlaylistWriter } from '../../app/uploads/live-playlist.ts';

describe('upload queue', () => {
  it('uploads in order, skips a vanished spool file as lost, and the playlist never names it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'queue-'));
    const db = openDb(':memory:');
    const storage = createLocalDiskStorage(path.join(dir, 'objects'));
    await storage.ensureBucket('qbucket');
    const ch = upsertChannel(db, 'qbucket', 'cam', { fragCount: 5 }).channel;
    const s = openSession(db, { channelId: ch.id, remoteAddr: '127.0.0.1:1', playlistName: 'playlist.m3u8', targetDuration: 3 });
    const rows = [0, 1, 2].map((i) => {
      const file = path.join(dir, `seg${i}.ts`);
      if (i !== 1) fs.writeFileSync(file, Buffer.alloc(188 * (i + 1), 0x47));
      const startMs = 1_800_000_000_000 + i * 2000;
      return insertSegment(db, { channelId: ch.id, sessionId: s.id, seq: reserveSeq(db, ch.id), discSeq: 0, key: `cam/${startMs}.ts`, startMs, durationMs: 2000, size: 188 * (i + 1), state: 'spooled', spoolPath: file });
    });
    closeSession(db, s.id, 'encoder disconnected');
    const playlists = createLivePlaylistWriter({ db, storage, endGraceMs: 0 });
    const up = createUploader({ db, storage, playlists });
    for (const r of rows) up.enqueue(r);
    assert.equal(await up.drain(10_000), 0);
    assert.deepEqual(sessionSegments(db, s.id).map((r) => r.state), ['stored', 'lost', 'stored']);
    assert.equal(sessionSegments(db, s.id)[1]!.lastError, 'spool file missing');
    assert.deepEqual(backlog(db, ch.id), { count: 0, bytes: 0 });
    assert.deepEqual((await storage.list('qbucket', 'cam/')).entries.map((e) => [e.key, e.size]), [
      [rows[0]!.key, 188], [rows[2]!.key, 564], ['cam/playlist.m3u8', (await storage.head('qbucket', 'cam/playlist.m3u8')).size],
    ]);
    const text = new TextDecoder().decode((await storage.get('qbucket', 'cam/playlist.m3u8')).body);
    // the hole starts the window after it; the backlog is empty, so the ended session gets ENDLIST
    assert.equal(text, ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:3', '#EXT-X-MEDIA-SEQUENCE:2', '#EXTINF:2.000,', '1800000004000.ts', '#EXT-X-ENDLIST', ''].join('\n'));
    up.stop();
    playlists.stop();
    db.$client.close();
  });
});
