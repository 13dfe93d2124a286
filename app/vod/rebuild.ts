/**
 * @module vod/rebuild
 * Rebuilds the segment index of a channel from its bucket, for segments the index does not know
 * (written by an older version or another tool). In: bucket/channel. Out: new 'stored' rows with
 * sessionId null, seq numbers reserved in time order, a new disc number at each cut. Idempotent.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { channels, segments } from '../../db/schema.ts';
import { getChannel, reserveSeq } from '../../db/repos/channels.ts';
import { lastSession } from '../../db/repos/sessions.ts';
import { checkBucket, checkChannel, isSegmentName } from '../core/names.ts';
import { isCut } from '../core/playlist/vod.ts';
import type { ListEntry, Storage } from '../storage/types.ts';

export interface RebuildReport {
  /** objects under `<channel>/` */
  listed: number;
  /** of those, keys of the form `<channel>/<13 digits>.ts` */
  segmentKeys: number;
  alreadyIndexed: number;
  inserted: number;
  /** segment objects left out, with why (no or bad `extinf`, vanished between LIST and HEAD) */
  skipped: { key: string; reason: string }[];
  listPages: number;
}

export class RebuildError extends Error {}

/** every entry under prefix, following markers page by page (the adapters derive a marker when the server sends none) */
export async function listAll(storage: Storage, bucket: string, prefix: string, onPage?: (n: number) => void): Promise<{ entries: ListEntry[]; pages: number }> {
  const entries: ListEntry[] = [];
  let marker: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await storage.list(bucket, prefix, marker);
    pages += 1;
    entries.push(...page.entries);
    onPage?.(entries.length);
    if (!page.nextMarker) return { entries, pages };
    // a server that repeats its marker would loop forever
    if (marker !== undefined && page.nextMarker <= marker) throw new RebuildError(`LIST of ${bucket}/${prefix} did not advance past marker ${marker}`);
    marker = page.nextMarker;
  }
}

/** runs fn over items with at most `limit` in flight; results in input order */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

/** `extinf` metadata ("6.016") as ms, or undefined when absent or not a duration */
export function parseExtinf(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d{1,6}(\.\d{1,6})?$/.test(v.trim())) return undefined;
  return Math.round(Number(v.trim()) * 1000);
}

export async function rebuildIndex(
  deps: { db: Db; storage: Storage },
  bucket: string,
  channelName: string,
  o: { headConcurrency?: number } = {},
): Promise<RebuildReport> {
  for (const c of [checkBucket(bucket), checkChannel(channelName)]) if (!c.ok) throw new RebuildError(c.reason);
  const channel = getChannel(deps.db, bucket, channelName);
  // creating it here would open the channel to pushes as a side effect of a read-side repair
  if (!channel) throw new RebuildError(`no channel ${bucket}/${channelName}: create it first (channel create ${bucket}/${channelName})`);
  // its numbers would interleave with the live session's: repair a channel while nobody pushes to it
  if (lastSession(deps.db, channel.id)?.status === 'live') throw new RebuildError(`${bucket}/${channelName} is live: rebuild its index after the push ends`);
  const prefix = `${channelName}/`;
  const { entries, pages } = await listAll(deps.storage, bucket, prefix);
  const segEntries = entries.filter((e) => e.key.startsWith(prefix) && isSegmentName(e.key.slice(prefix.length)));
  const known = knownKeys(deps.db, channel.id);
  const unknown = segEntries.filter((e) => !known.has(e.key));
  const skipped: RebuildReport['skipped'] = [];
  const heads = await mapLimit(unknown, o.headConcurrency ?? 16, async (e) => {
    try {
      const info = await deps.storage.head(bucket, e.key);
      const durationMs = parseExtinf(info.metadata.extinf);
      if (durationMs === undefined) {
        skipped.push({ key: e.key, reason: info.metadata.extinf === undefined ? 'no extinf metadata' : `bad extinf '${info.metadata.extinf.slice(0, 20)}'` });
        return undefined;
      }
      return { key: e.key, startMs: Number(e.key.slice(prefix.length, prefix.length + 13)), durationMs, size: info.size, storedAt: info.lastModified.getTime() };
    } catch (err) {
      skipped.push({ key: e.key, reason: (err as Error).name === 'NotFoundError' ? 'deleted during the rebuild' : (err as Error).message });
      return undefined;
    }
  });
  const found = heads.filter((h) => h !== undefined).sort((a, b) => a.startMs - b.startMs);
  const inserted = insertFound(deps.db, channel.id, found);
  skipped.sort((a, b) => (a.key < b.key ? -1 : 1));
  return { listed: entries.length, segmentKeys: segEntries.length, alreadyIndexed: segEntries.length - unknown.length, inserted, skipped, listPages: pages };
}

function knownKeys(db: Db, channelId: number): Set<string> {
  return new Set(db.select({ key: segments.key }).from(segments).where(eq(segments.channelId, channelId)).all().map((r) => r.key));
}

type Found = { key: string; startMs: number; durationMs: number; size: number; storedAt: number };

/**
 * One immediate transaction: keys indexed meanwhile (ingest, a concurrent rebuild) are dropped,
 * seq numbers are reserved for exactly the rows written, and disc numbers follow ingest's rule:
 * the channel's counter grows by one for every run of continuous segments after the first ever.
 */
function insertFound(db: Db, channelId: number, found: Found[]): number {
  return db.$client.transaction(() => {
    const known = knownKeys(db, channelId);
    const rows = found.filter((f) => !known.has(f.key));
    if (rows.length === 0) return 0;
    let runs = 1;
    for (let i = 1; i < rows.length; i++) if (isCut(asVod(rows[i - 1]!), asVod(rows[i]!))) runs += 1;
    const ch = db.select({ discSeq: channels.discSeq }).from(channels).where(eq(channels.id, channelId)).get()!;
    const first = known.size > 0 ? ch.discSeq + 1 : ch.discSeq;
    const last = first + runs - 1;
    if (last !== ch.discSeq) db.update(channels).set({ discSeq: last }).where(eq(channels.id, channelId)).run();
    let seq = reserveSeq(db, channelId, rows.length);
    let disc = first;
    const now = Date.now();
    const values = rows.map((r, i) => {
      if (i > 0 && isCut(asVod(rows[i - 1]!), asVod(r))) disc += 1;
      return {
        channelId, sessionId: null, seq: seq++, discSeq: disc, key: r.key, startMs: r.startMs, durationMs: r.durationMs,
        size: r.size, state: 'stored' as const, spoolPath: null, createdAt: now, storedAt: r.storedAt,
      };
    });
    // SQLite binds at most 32766 variables per statement; 13 columns a row
    for (let i = 0; i < values.length; i += 500) db.insert(segments).values(values.slice(i, i + 500)).run();
    return rows.length;
  }).immediate();
}

const asVod = (f: Found) => ({ startMs: f.startMs, durationMs: f.durationMs, sessionId: null, key: f.key });
