/**
 * @module scripts/bench/vod
 * Benchmark: a 24-hour VOD (17,280 five-second segments) built from the SQLite index against the
 * seed's method (LIST the prefix, HEAD every object for `extinf`) on the same RGW data, same run.
 *   S3_ENDPOINT=http://127.0.0.1:7480 (or the shared RGW's :7490) S3_ACCESS_KEY_ID=testkey S3_SECRET_ACCESS_KEY=testsecret npx tsx scripts/bench/vod.ts
 * (TEST_S3_ENDPOINT / TEST_S3_ACCESS_KEY / TEST_S3_SECRET_KEY work too.) Prints a markdown table.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../../db/index.ts';
import { upsertChannel } from '../../db/repos/channels.ts';
import { createS3Storage } from '../../app/storage/index.ts';
import { buildVod, type VodDeps } from '../../app/vod/build.ts';
import { listAll, mapLimit, rebuildIndex, parseExtinf } from '../../app/vod/rebuild.ts';
import { buildVodPlaylist, type VodSegment } from '../../app/core/playlist/vod.ts';
import { formatDuration } from '../../app/core/object-keys.ts';

const endpointEnv = process.env.S3_ENDPOINT ?? process.env.TEST_S3_ENDPOINT;
if (!endpointEnv) {
  console.error('set S3_ENDPOINT (or TEST_S3_ENDPOINT) to an RGW, e.g. from scripts/rgw-start.sh');
  process.exit(2);
}
const endpoint: string = endpointEnv;
const s3 = {
  endpoint, region: 'us-east-1', forcePathStyle: true,
  accessKeyId: process.env.S3_ACCESS_KEY_ID ?? process.env.TEST_S3_ACCESS_KEY ?? 'testkey',
  secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? process.env.TEST_S3_SECRET_KEY ?? 'testsecret',
};
const N = Number(process.env.BENCH_SEGMENTS ?? 17_280);
const storage = createS3Storage(s3);
const bucket = `bench-vod-${Date.now().toString(36)}`;
const channel = 'day';
const T = 1_700_000_000_000;
const startSec = T / 1000;
const endSec = startSec + 86_400 - 1;

const time = async <R>(f: () => Promise<R>): Promise<[R, number]> => {
  const t0 = performance.now();
  const r = await f();
  return [r, performance.now() - t0];
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const log = (s: string) => process.stderr.write(`[bench-vod] ${s}\n`);

/** the seed's script: LIST (paginated) from the start marker, HEAD every key for extinf, stop past the end, PUT the playlist */
async function seedMethod(headConcurrency: number, signed: boolean): Promise<{ text: string; n: number }> {
  const prefix = `${channel}/`;
  const { entries } = await listAll(storage, bucket, prefix);
  const lo = `${prefix}${T}`;
  const hi = `${prefix}${endSec * 1000 + 999}`;
  const keys = entries.map((e) => e.key).filter((k) => k >= lo && k <= hi && k.endsWith('.ts'));
  const segs = await mapLimit(keys, headConcurrency, async (key): Promise<VodSegment> => {
    const h = await storage.head(bucket, key);
    return { key, startMs: Number(key.slice(prefix.length, prefix.length + 13)), durationMs: parseExtinf(h.metadata.extinf) ?? 0, sessionId: null };
  });
  const uris = signed
    ? { kind: 'signed' as const, base: s3.endpoint, bucket, accessKeyId: s3.accessKeyId, secret: s3.secretAccessKey, expires: Math.floor(Date.now() / 1000) + 3600 }
    : { kind: 'relative' as const };
  const text = buildVodPlaylist(segs, uris);
  await storage.put(bucket, `${channel}/seed-vod.m3u8`, Buffer.from(text), { contentType: 'application/x-mpegURL' });
  return { text, n: segs.length };
}

const keyOf = (i: number) => `${channel}/${T + i * 5000}.ts`;

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-vod-'));
  const db = openDb(path.join(dir, 'bench.sqlite'));
  upsertChannel(db, bucket, channel);
  await storage.ensureBucket(bucket);
  try {
    await measure(db);
  } finally {
    // also after a failure: leave no 17,280 objects behind on a shared RGW
    log('cleaning up');
    const keys = [...Array.from({ length: N }, (_, i) => keyOf(i)), `${channel}/day.m3u8`, `${channel}/seed-vod.m3u8`];
    for (let i = 0; i < keys.length; i += 1000) await storage.delete(bucket, keys.slice(i, i + 1000)).catch((e) => log(`delete failed: ${(e as Error).message}`));
    db.$client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(db: ReturnType<typeof openDb>) {
  log(`writing ${N} objects into ${endpoint}/${bucket}/${channel}/ (concurrency 64)`);
  const body = new Uint8Array(188).fill(0x47);
  const items = Array.from({ length: N }, (_, i) => i);
  const [, writeMs] = await time(() =>
    mapLimit(items, 64, (i) => storage.put(bucket, keyOf(i), body, { contentType: 'video/mp2t', metadata: { extinf: formatDuration(5) } })));
  log(`written in ${(writeMs / 1000).toFixed(1)} s`);

  // the index as ingest leaves it: here filled by the rebuild path (also measured)
  const [rb, rebuildMs] = await time(() => rebuildIndex({ db, storage }, bucket, channel));
  if (rb.inserted !== N) throw new Error(`rebuild inserted ${rb.inserted}, expected ${N}`);
  log(`index rebuilt in ${(rebuildMs / 1000).toFixed(1)} s`);

  const deps: VodDeps = { db, storage, s3, publicHttpBase: 'http://127.0.0.1:8080', maxRangeSec: 86_400 };
  const runs = 7;
  const idx = async (signed: boolean, store: boolean) => {
    const ms: number[] = [];
    let text = '';
    for (let i = 0; i < runs; i++) {
      const [r, t] = await time(() => buildVod(deps, {
        bucket, channel, startSec, endSec, store, name: 'day.m3u8', uris: signed ? { kind: 'signed', expiresInSec: 3600 } : { kind: 'relative' },
      }));
      if (!r.ok || r.segments !== N) throw new Error(`index VOD failed: ${JSON.stringify(r).slice(0, 200)}`);
      ms.push(t);
      text = r.playlist;
    }
    return { ms: median(ms), bytes: text.length, text };
  };
  const idxRel = await idx(false, false);
  const idxSig = await idx(true, false);
  const idxStore = await idx(false, true);
  log(`index: relative ${idxRel.ms.toFixed(1)} ms, signed ${idxSig.ms.toFixed(1)} ms, relative+store ${idxStore.ms.toFixed(1)} ms`);

  log('seed method, HEADs one at a time (as the seed script does) …');
  const [seedSeq, seedSeqMs] = await time(() => seedMethod(1, true));
  log(`seed sequential: ${(seedSeqMs / 1000).toFixed(1)} s`);
  const [seedPar, seedParMs] = await time(() => seedMethod(16, true));
  log(`seed with 16 HEADs in flight: ${(seedParMs / 1000).toFixed(1)} s`);
  for (const s of [seedSeq, seedPar]) if (s.n !== N) throw new Error(`seed method found ${s.n} segments`);
  // same segments and durations: the URI lines differ only by Expires/Signature
  const strip = (t: string) => t.replace(/\?AWSAccessKeyId=.*$/gm, '');
  if (strip(seedPar.text) !== strip(idxSig.text)) throw new Error('seed method and index disagree on the playlist');

  const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
  const ratio = (ms: number) => `${(seedSeqMs / ms).toFixed(seedSeqMs / ms >= 10 ? 0 : 1)}x`;
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  const reqs = `${N + Math.ceil(N / 1000) + 1} (LIST pages + HEADs + 1 PUT)`;
  const rows = [
    ['index (SQLite), relative URIs, returned', fmt(idxRel.ms), kib(idxRel.bytes), '0', ratio(idxRel.ms)],
    ['index (SQLite), signed V2 URIs, returned', fmt(idxSig.ms), kib(idxSig.bytes), '0', ratio(idxSig.ms)],
    ['index (SQLite), relative URIs, stored', fmt(idxStore.ms), kib(idxStore.bytes), '1 PUT', ratio(idxStore.ms)],
    ['seed: LIST + HEAD each, one at a time, signed, stored', fmt(seedSeqMs), kib(seedSeq.text.length), reqs, '1x (baseline)'],
    ['seed: LIST + HEAD each, 16 in flight, signed, stored', fmt(seedParMs), kib(seedPar.text.length), reqs, ratio(seedParMs)],
  ];
  const out = [
    `${N} segments of 5 s (${(N * 5 / 3600).toFixed(1)} h), ${os.cpus().length} cores, node ${process.version}, single-node RGW (memstore) at ${new URL(endpoint).host}; index medians of ${runs} runs.`,
    '',
    '| method | time | playlist | S3 requests | speed-up vs seed |',
    '|---|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `Ratio (seed sequential / index signed): **${(seedSeqMs / idxSig.ms).toFixed(0)}x**; seed with 16 HEADs in flight / index signed: **${(seedParMs / idxSig.ms).toFixed(0)}x**.`,
    `Setup in the same run: writing the ${N} objects took ${fmt(writeMs)} (64 PUTs in flight); \`index rebuild\` of all of them (LIST + 16 HEADs in flight + insert) took ${fmt(rebuildMs)}.`,
  ];
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
