/** The playback hot cache: LRU by bytes, TTLs, single-flight loads. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createPlaybackCache } from '../../app/playback/cache.ts';

const bytes = (n: number, fill = 0x47) => new Uint8Array(n).fill(fill);

describe('playback cache', () => {
  it('evicts the least recently used entries beyond maxBytes', () => {
    const c = createPlaybackCache({ maxBytes: 800 });
    c.putSegment('b', 'c/1.ts', bytes(100));
    c.putSegment('b', 'c/2.ts', bytes(100));
    c.putSegment('b', 'c/3.ts', bytes(100));
    assert.ok(c.get('b', 'c/1.ts')); // 1 is now the youngest
    for (let i = 4; i <= 9; i++) c.putSegment('b', `c/${i}.ts`, bytes(100));
    assert.equal(c.stats().bytes, 800);
    assert.equal(c.get('b', 'c/2.ts'), undefined);
    assert.ok(c.get('b', 'c/1.ts'));
    c.putSegment('b', 'c/big.ts', bytes(101)); // over 1/8 of the cache: served by the caller, not kept
    assert.equal(c.get('b', 'c/big.ts'), undefined);
    assert.equal(c.get('b', 'c/1.ts')!.etag, `"${createHash('md5').update(bytes(100)).digest('hex')}"`); // what S3 gives a single-part PUT
  });
  it('gives playlists a freshness limit', () => {
    let t = 0;
    const c = createPlaybackCache({ maxBytes: 1 << 20, now: () => t });
    c.putPlaylist('b', 'c/live.m3u8', '#EXTM3U\n', true);
    c.putPlaylist('b', 'c/old.m3u8', '#EXTM3U\n#EXT-X-ENDLIST\n', false);
    t = 4_999;
    assert.ok(c.get('b', 'c/old.m3u8'));
    t = 5_000;
    assert.equal(c.get('b', 'c/old.m3u8'), undefined);
    assert.ok(c.get('b', 'c/live.m3u8'));
    t = 30_000;
    assert.equal(c.get('b', 'c/live.m3u8'), undefined);
  });
  it('coalesces concurrent misses into one load, and a failed load is not kept', async () => {
    const c = createPlaybackCache({ maxBytes: 1 << 20 });
    let loads = 0;
    const loader = async () => {
      loads += 1;
      await new Promise((r) => setTimeout(r, 20));
      return bytes(1000);
    };
    const all = await Promise.all(Array.from({ length: 1000 }, () => c.load('b', 'c/1.ts', loader)));
    assert.equal(loads, 1);
    assert.ok(all.every((o) => o === all[0]));
    await c.load('b', 'c/1.ts', loader);
    assert.equal(loads, 1);
    assert.deepEqual({ ...c.stats(), bytes: 0 }, { entries: 1, bytes: 0, hits: 1, misses: 1000, loads: 1, coalesced: 999 });
    let fails = 0;
    const failing = async () => {
      fails += 1;
      throw new Error('boom');
    };
    const r = await Promise.allSettled([c.load('b', 'c/2.ts', failing), c.load('b', 'c/2.ts', failing)]);
    assert.deepEqual(r.map((x) => x.status), ['rejected', 'rejected']);
    assert.equal(fails, 1);
    await assert.rejects(c.load('b', 'c/2.ts', failing), /boom/);
    assert.equal(fails, 2);
  });
  it('serves a stale playlist while one background refresh runs; a newer put wins over a slower read', async () => {
    let t = 0;
    const c = createPlaybackCache({ maxBytes: 1 << 20, now: () => t });
    const enc = (x: string) => new TextEncoder().encode(x);
    let release!: (b: Uint8Array) => void;
    let loads = 0;
    const slow = () => {
      loads += 1;
      return new Promise<Uint8Array>((r) => (release = r));
    };
    const first = c.load('b', 'c/p.m3u8', async () => enc('v1'), 1000);
    assert.equal(new TextDecoder().decode((await first).body), 'v1');
    t = 1500; // stale: answered at once with v1, one refresh started
    const stale = await Promise.all([c.load('b', 'c/p.m3u8', slow, 1000), c.load('b', 'c/p.m3u8', slow, 1000)]);
    assert.deepEqual(stale.map((o) => new TextDecoder().decode(o.body)), ['v1', 'v1']);
    assert.equal(loads, 1);
    c.putPlaylist('b', 'c/p.m3u8', 'v3 from the writer', true); // lands while the read is under way
    release(enc('v2 from storage'));
    await new Promise((r) => setImmediate(r));
    assert.equal(new TextDecoder().decode(c.get('b', 'c/p.m3u8')!.body), 'v3 from the writer');
    t = 1500 + 30_000 + 10_000; // past freshness and the stale window: a plain miss again
    assert.equal(new TextDecoder().decode((await c.load('b', 'c/p.m3u8', async () => enc('v4'), 1000)).body), 'v4');
  });
});
