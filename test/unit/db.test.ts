import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDb } from '../../db/index.ts';
import { createKey, getKey, keyCovers } from '../../db/repos/keys.ts';
import { upsertChannel, reserveSeq, listChannels } from '../../db/repos/channels.ts';

describe('db', () => {
  it('migrates, creates keys and channels with OSS limits', () => {
    const db = openDb(':memory:');
    const k = createKey(db, { id: 'GVXDWEABA4CO2DSA2CPH', secret: 'lhV5DfiUPoNKL1IeF6BwUEuFXobEFmuz1iuw03XB' });
    assert.equal(getKey(db, k.id)?.secret, 'lhV5DfiUPoNKL1IeF6BwUEuFXobEFmuz1iuw03XB');
    assert.throws(() => createKey(db, { id: k.id }), /already exists/);
    const { channel, created } = upsertChannel(db, 'rtmptest1', 'channel002');
    assert.equal(created, true);
    assert.deepEqual([channel.fragDuration, channel.fragCount, channel.playlistName, channel.status], [5, 3, 'playlist.m3u8', 'enabled']);
    assert.throws(() => upsertChannel(db, 'rtmptest1', 'c', { fragDuration: 101 }), /FragDuration must be an integer in 1..100/);
    assert.throws(() => upsertChannel(db, 'rtmptest1', 'c', { fragCount: 0 }), /FragCount/);
    assert.throws(() => upsertChannel(db, 'rtmptest1', 'c', { playlistName: 'a/b.m3u8' }), /playlist name/);
    assert.throws(() => upsertChannel(db, 'rtmptest1', 'c', { playlistName: 'a.m3u' }), /playlist name/);
    assert.throws(() => upsertChannel(db, 'Bad_Bucket', 'c'), /bucket/);
    assert.throws(() => upsertChannel(db, 'rtmptest1', '../x'), /channel/);
    assert.equal(upsertChannel(db, 'rtmptest1', 'channel002', { fragCount: 5 }).created, false);
    assert.equal(reserveSeq(db, channel.id), 0);
    assert.equal(reserveSeq(db, channel.id, 2), 1);
    assert.equal(reserveSeq(db, channel.id), 3);
    assert.equal(listChannels(db).length, 1);
    assert.equal(keyCovers({ scope: 'rtmptest1/channel002' }, 'rtmptest1', 'channel002'), true);
    assert.equal(keyCovers({ scope: 'rtmptest1/channel002' }, 'rtmptest1', 'other'), false);
    assert.equal(keyCovers({ scope: 'a,rtmptest1' }, 'rtmptest1', 'x'), true);
    assert.equal(keyCovers({ scope: 'a' }, 'rtmptest1', 'x'), false);
  });
});
