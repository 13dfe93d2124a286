/**
 * @module db/repos/keys
 * Access keys: the id/secret pairs that sign push URLs and play links.
 */
import { eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { Db } from '../index.ts';
import { accessKeys, type AccessKey } from '../schema.ts';

const ID_RE = /^[A-Za-z0-9_-]{3,64}$/;

/** 20 upper-case chars like AWS/OSS ids; 40-char base64url secrets */
export function newKeyId(): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...randomBytes(20)].map((b) => abc[b % 32]).join('');
}
export function newSecret(): string {
  return randomBytes(30).toString('base64url');
}

export function createKey(db: Db, o: { id?: string; secret?: string; description?: string; scope?: string; canPush?: boolean; canPlay?: boolean } = {}): AccessKey {
  const id = o.id ?? newKeyId();
  if (!ID_RE.test(id)) throw new Error(`access key id must be 3-64 chars of A-Z a-z 0-9 _ -, got '${id.slice(0, 70)}'`);
  const secret = o.secret ?? newSecret();
  if (secret.length < 8 || secret.length > 128 || /[\s]/.test(secret)) throw new Error('secret must be 8-128 chars without spaces');
  if (getKey(db, id)) throw new Error(`access key ${id} already exists`);
  return db
    .insert(accessKeys)
    .values({ id, secret, description: o.description ?? '', scope: o.scope ?? '*', canPush: o.canPush ?? true, canPlay: o.canPlay ?? true, createdAt: Date.now() })
    .returning()
    .get();
}

export function getKey(db: Db, id: string): AccessKey | undefined {
  return db.select().from(accessKeys).where(eq(accessKeys.id, id)).get();
}

export function listKeys(db: Db): AccessKey[] {
  return db.select().from(accessKeys).orderBy(accessKeys.createdAt).all();
}

export function setKeyEnabled(db: Db, id: string, enabled: boolean): void {
  db.update(accessKeys).set({ enabled }).where(eq(accessKeys.id, id)).run();
}

/** change what a key may do (scope, push, play) and its description; the id and secret stay */
export function updateKey(db: Db, id: string, o: { scope?: string; canPush?: boolean; canPlay?: boolean; description?: string }): void {
  const set = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  if (Object.keys(set).length) db.update(accessKeys).set(set).where(eq(accessKeys.id, id)).run();
}

export function deleteKey(db: Db, id: string): void {
  db.delete(accessKeys).where(eq(accessKeys.id, id)).run();
}

export function touchKey(db: Db, id: string, now = Date.now()): void {
  db.update(accessKeys).set({ lastUsedAt: now }).where(eq(accessKeys.id, id)).run();
}

/** does the key's scope cover bucket/channel? scope: '*' or comma list of 'bucket', 'bucket/*', 'bucket/channel' */
export function keyCovers(key: Pick<AccessKey, 'scope'>, bucket: string, channel?: string): boolean {
  return key.scope.split(',').map((s) => s.trim()).some((p) => {
    if (p === '*') return true;
    const [b, c] = p.split('/');
    if (b !== bucket) return false;
    return c === undefined || c === '*' || c === '' || channel === undefined || c === channel;
  });
}
