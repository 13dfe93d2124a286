/**
 * @module cli
 * Operator CLI (`npm run -s cli -- …`), stable because tests and scripts use it:
 *   key create [--id ID] [--secret S] [--scope S] [--description D] | key list | key enable|disable|delete ID
 *   channel create <bucket>/<channel> [--frag-duration N] [--frag-count N] [--playlist NAME.m3u8] [--description D] [--retention-days N|off]
 *   channel update <bucket>/<channel> [same options as create]   (the channel must exist)
 *   retention sweep [--include-vod]
 *   channel list | channel enable|disable <bucket>/<channel>
 *   sign push <bucket>/<channel> --key ID [--expires-in S] [--form seed|oss] [--playlist N] [--base rtmp://host:port]
 *   sign play <bucket>/<object-key> --key ID [--expires-in S] [--base URL]
 *   vod <bucket>/<channel> --start S --end E [--name N.m3u8] [--stdout] [--signed [--base URL] [--expires-in S] [--key ID]]
 *   index rebuild <bucket>/<channel>
 * Works while the gateway runs (SQLite in WAL mode).
 */
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from './config/config.ts';
import { openDb } from '../db/index.ts';
import { createKey, listKeys, setKeyEnabled, deleteKey, getKey } from '../db/repos/keys.ts';
import { upsertChannel, listChannels, getChannel, updateChannel } from '../db/repos/channels.ts';
import { parseChannelRef, checkBucket } from './core/names.ts';
import { buildPushUrl, presignV2, type PushForm } from './core/signing/index.ts';
import { createStorage } from './storage/index.ts';
import { setLogLevel } from './log.ts';
import { vodCommand, rebuildCommand } from './vod/cli.ts';
import { sweepRetention } from './retention/sweeper.ts';

const USAGE = `usage: npm run -s cli -- <command>
  key create [--id ID] [--secret S] [--scope S] [--description D] [--json]
  key list
  key enable|disable|delete <ID>
  channel create <bucket>/<channel> [--frag-duration N] [--frag-count N] [--playlist NAME.m3u8] [--description D] [--retention-days N|off]
  channel update <bucket>/<channel> [--frag-duration N] [--frag-count N] [--playlist NAME.m3u8] [--description D] [--retention-days N|off]
  channel list
  channel enable|disable <bucket>/<channel>
  sign push <bucket>/<channel> --key ID [--expires-in S] [--form seed|oss] [--playlist NAME.m3u8] [--base rtmp://host:port]
  sign play <bucket>/<object-key> --key ID [--expires-in S] [--base URL]
  vod <bucket>/<channel> --start S --end E [--name NAME.m3u8] [--stdout] [--signed [--base URL] [--expires-in S] [--key ID]]
  index rebuild <bucket>/<channel>
  retention sweep [--include-vod]`;

class UsageError extends Error {}

export async function runCli(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s + '\n')): Promise<void> {
  const { values: v, positionals: pos } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      id: { type: 'string' }, secret: { type: 'string' }, scope: { type: 'string' }, description: { type: 'string' },
      'frag-duration': { type: 'string' }, 'frag-count': { type: 'string' }, playlist: { type: 'string' },
      key: { type: 'string' }, 'expires-in': { type: 'string' }, form: { type: 'string' }, base: { type: 'string' },
      json: { type: 'boolean' }, 'retention-days': { type: 'string' }, 'include-vod': { type: 'boolean' },
      start: { type: 'string' }, end: { type: 'string' }, name: { type: 'string' }, stdout: { type: 'boolean' }, signed: { type: 'boolean' },
    },
  });
  const [group, cmd, arg] = pos;
  const config = loadConfig();
  const db = openDb(config.dbFile);
  const intOpt = (name: string, s: string | undefined) => {
    if (s === undefined) return undefined;
    if (!/^\d+$/.test(s)) throw new UsageError(`--${name} must be an integer, got '${s}'`);
    return Number(s);
  };
  const expiresAt = () => Math.floor(Date.now() / 1000) + (intOpt('expires-in', v['expires-in']) ?? 3600);
  const needKey = () => {
    if (!v.key) throw new UsageError('--key ID is required');
    const k = getKey(db, v.key);
    if (!k) throw new UsageError(`unknown access key '${v.key}'`);
    return k;
  };
  try {
    switch (group === 'vod' ? 'vod' : `${group} ${cmd}`) {
      case 'vod':
        return await vodCommand(config, db, cmd ?? '', v, out);
      case 'index rebuild':
        return await rebuildCommand(config, db, arg ?? '', out);
      case 'key create': {
        const k = createKey(db, { id: v.id, secret: v.secret, scope: v.scope, description: v.description });
        out(v.json ? JSON.stringify({ id: k.id, secret: k.secret }) : `AccessKeyId: ${k.id}\nAccessKeySecret: ${k.secret}`);
        return;
      }
      case 'key list':
        for (const k of listKeys(db)) out(`${k.id}\t${k.enabled ? 'enabled' : 'disabled'}\tscope=${k.scope}\tlast-used=${k.lastUsedAt ? new Date(k.lastUsedAt).toISOString() : '-'}`);
        return;
      case 'key enable':
      case 'key disable':
      case 'key delete': {
        if (!arg || !getKey(db, arg)) throw new UsageError(`unknown access key '${arg ?? ''}'`);
        if (cmd === 'delete') deleteKey(db, arg);
        else setKeyEnabled(db, arg, cmd === 'enable');
        out(`${arg} ${cmd}d`);
        return;
      }
      case 'channel create':
      case 'channel update': {
        const { bucket, channel } = parseChannelRef(arg ?? '');
        if (cmd === 'update' && !getChannel(db, bucket, channel)) throw new UsageError(`no channel ${bucket}/${channel}`);
        const rd = v['retention-days'];
        const retentionDays = rd === undefined ? undefined : rd === 'off' ? null : intOpt('retention-days', rd);
        const { channel: ch, created } = upsertChannel(db, bucket, channel, {
          fragDuration: intOpt('frag-duration', v['frag-duration']), fragCount: intOpt('frag-count', v['frag-count']),
          playlistName: v.playlist, description: v.description, retentionDays,
        });
        if (cmd === 'create') {
          try {
            await createStorage({ dataDir: config.dataDir, s3: config.s3 }).ensureBucket(bucket);
          } catch (e) {
            process.stderr.write(`warning: bucket ${bucket} could not be created or checked: ${(e as Error).message}\n`);
          }
        }
        out(`${created ? 'created' : 'updated'} ${bucket}/${ch.name} FragDuration=${ch.fragDuration} FragCount=${ch.fragCount} playlist=${ch.playlistName} status=${ch.status} retention=${ch.retentionDays ? `${ch.retentionDays}d` : 'off'}`);
        return;
      }
      case 'retention sweep': {
        const r = await sweepRetention({ db, storage: createStorage({ dataDir: config.dataDir, s3: config.s3 }), includeVod: v['include-vod'] ?? config.retentionIncludeVod });
        out(`retention: ${r.channels} channel(s) with retention, ${r.deleted} segment(s) deleted in ${r.batches} batch(es), ${r.keptForVod} kept for VOD playlists${r.failed ? `, ${r.failed} channel(s) failed (see log)` : ''}`);
        return;
      }
      case 'channel list':
        for (const c of listChannels(db)) out(`${c.bucket}/${c.name}\t${c.status}\tFragDuration=${c.fragDuration}\tFragCount=${c.fragCount}\t${c.playlistName}\tretention=${c.retentionDays ? `${c.retentionDays}d` : 'off'}`);
        return;
      case 'channel enable':
      case 'channel disable': {
        const { bucket, channel } = parseChannelRef(arg ?? '');
        const c = getChannel(db, bucket, channel);
        if (!c) throw new UsageError(`no channel ${bucket}/${channel}`);
        updateChannel(db, c.id, { status: cmd === 'enable' ? 'enabled' : 'disabled' });
        out(`${bucket}/${channel} ${cmd}d`);
        return;
      }
      case 'sign push': {
        const { bucket, channel } = parseChannelRef(arg ?? '');
        const k = needKey();
        const form = (v.form ?? 'seed') as PushForm;
        if (form !== 'seed' && form !== 'oss') throw new UsageError(`--form must be seed or oss, got '${form}'`);
        // still printed (the channel may be created next), but the push would be refused until then
        if (!getChannel(db, bucket, channel)) process.stderr.write(`warning: channel ${bucket}/${channel} does not exist yet: pushes are refused until \`channel create ${bucket}/${channel}\`\n`);
        out(buildPushUrl({ rtmpBase: v.base ?? config.publicRtmpBase, form, bucket, channel, accessKeyId: k.id, secret: k.secret, expires: expiresAt(), playlistName: v.playlist }));
        return;
      }
      case 'sign play': {
        const ref = arg ?? '';
        const i = ref.indexOf('/');
        const bucket = ref.slice(0, i);
        const key = ref.slice(i + 1);
        if (i < 0 || !checkBucket(bucket).ok || !key || key.split('/').includes('..')) throw new UsageError(`expected <bucket>/<object-key>, got '${ref}'`);
        const k = needKey();
        out(presignV2({ base: v.base ?? config.publicHttpBase, bucket, key, accessKeyId: k.id, secret: k.secret, expires: expiresAt() }));
        return;
      }
      default:
        throw new UsageError(USAGE);
    }
  } finally {
    db.$client.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  setLogLevel('warn');
  runCli(process.argv.slice(2)).catch((e) => {
    const msg = e instanceof UsageError || e instanceof ConfigError ? e.message : (e as Error).message;
    process.stderr.write(`${msg}\n`);
    process.exit(2);
  });
}
