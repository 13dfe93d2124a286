/**
 * @module vod/cli
 * The operator commands of the read side, called by app/cli.ts:
 *   vod <bucket>/<channel> --start S --end E [--name N.m3u8] [--stdout] [--signed [--base URL] [--expires-in S] [--key ID]]
 *   index rebuild <bucket>/<channel>
 */
import type { Db } from '../../db/index.ts';
import type { Config } from '../config/config.ts';
import { parseChannelRef } from '../core/names.ts';
import { createStorage } from '../storage/index.ts';
import { buildVod, vodDeps } from './build.ts';
import { rebuildIndex } from './rebuild.ts';

export interface VodCliValues {
  start?: string;
  end?: string;
  name?: string;
  stdout?: boolean;
  signed?: boolean;
  base?: string;
  key?: string;
  'expires-in'?: string;
}

/** default lifetime of signed links in a VOD playlist: one day */
const DEFAULT_EXPIRES_IN = 86400;

export async function vodCommand(config: Config, db: Db, ref: string, v: VodCliValues, out: (s: string) => void): Promise<void> {
  const { bucket, channel } = parseChannelRef(ref);
  if (v.start === undefined || v.end === undefined) throw new Error('--start S and --end E (unix seconds) are required');
  if (!v.signed && (v.base !== undefined || v.key !== undefined || v['expires-in'] !== undefined)) throw new Error('--base, --key and --expires-in need --signed');
  const expiresIn = v['expires-in'] ?? String(DEFAULT_EXPIRES_IN);
  if (!/^\d{1,10}$/.test(expiresIn)) throw new Error(`--expires-in must be whole seconds, got '${expiresIn}'`);
  // --stdout alone prints without storing; with --name it stores as well
  const store = !v.stdout || v.name !== undefined;
  const storage = createStorage({ dataDir: config.dataDir, s3: config.s3 });
  const r = await buildVod(vodDeps(config, db, storage), {
    bucket, channel, startSec: v.start, endSec: v.end, name: v.name, store,
    uris: v.signed ? { kind: 'signed', base: v.base, expiresInSec: Number(expiresIn), keyId: v.key } : { kind: 'relative' },
  });
  if (!r.ok) throw new Error(r.reason);
  if (v.stdout) out(r.playlist.trimEnd());
  const summary = `${r.segments} segments, ${(r.durationMs / 1000).toFixed(3)} s, ${r.discontinuities} discontinuities${r.pending ? `, ${r.pending} still uploading (left out)` : ''}`;
  if (r.key) (v.stdout ? (s: string) => process.stderr.write(s + '\n') : out)(`stored ${bucket}/${r.key}: ${summary}`);
}

export async function rebuildCommand(config: Config, db: Db, ref: string, out: (s: string) => void): Promise<void> {
  const { bucket, channel } = parseChannelRef(ref);
  const storage = createStorage({ dataDir: config.dataDir, s3: config.s3 });
  const r = await rebuildIndex({ db, storage }, bucket, channel);
  out(`${bucket}/${channel}: listed ${r.listed} objects in ${r.listPages} page(s), ${r.segmentKeys} segments, ${r.alreadyIndexed} already indexed, inserted ${r.inserted}, skipped ${r.skipped.length}`);
  for (const s of r.skipped.slice(0, 10)) out(`  skipped ${s.key}: ${s.reason}`);
  if (r.skipped.length > 10) out(`  … and ${r.skipped.length - 10} more`);
}
