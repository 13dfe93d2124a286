/**
 * @module db/schema
 * SQLite tables (drizzle): access keys, channels, publish sessions, the segment index,
 * VOD playlists, admin users and sessions. Times are epoch milliseconds unless named *_s.
 */
import { sqliteTable, text, integer, index, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const accessKeys = sqliteTable('access_keys', {
  id: text('id').primaryKey(),
  secret: text('secret').notNull(),
  description: text('description').notNull().default(''),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  /** comma-separated bucket or bucket/channel patterns ('*' = all) */
  scope: text('scope').notNull().default('*'),
  canPush: integer('can_push', { mode: 'boolean' }).notNull().default(true),
  canPlay: integer('can_play', { mode: 'boolean' }).notNull().default(true),
  createdAt: integer('created_at').notNull(),
  lastUsedAt: integer('last_used_at'),
});

export const channels = sqliteTable(
  'channels',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    bucket: text('bucket').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    status: text('status', { enum: ['enabled', 'disabled'] }).notNull().default('enabled'),
    playlistName: text('playlist_name').notNull().default('playlist.m3u8'),
    fragDuration: integer('frag_duration').notNull().default(5),
    fragCount: integer('frag_count').notNull().default(3),
    retentionDays: integer('retention_days'),
    /** next EXT-X-MEDIA-SEQUENCE number to hand out; only grows (also across restarts) */
    nextSeq: integer('next_seq').notNull().default(0),
    /** discontinuities so far (one per publish session after the first) */
    discSeq: integer('disc_seq').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('channels_bucket_name').on(t.bucket, t.name)],
);

export const sessions = sqliteTable(
  'sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    channelId: integer('channel_id').notNull().references(() => channels.id),
    status: text('status', { enum: ['live', 'ended'] }).notNull().default('live'),
    startedAt: integer('started_at').notNull(),
    endedAt: integer('ended_at'),
    endReason: text('end_reason'),
    remoteAddr: text('remote_addr').notNull().default(''),
    accessKeyId: text('access_key_id'),
    playlistName: text('playlist_name').notNull(),
    /** highest TARGETDURATION announced in this session (never shrinks) */
    targetDuration: integer('target_duration').notNull().default(0),
    videoCodec: text('video_codec'),
    width: integer('width'),
    height: integer('height'),
    fps: integer('fps'),
    videoKbps: integer('video_kbps'),
    audioCodec: text('audio_codec'),
    sampleRate: integer('sample_rate'),
    audioKbps: integer('audio_kbps'),
    segments: integer('segments').notNull().default(0),
    bytes: integer('bytes').notNull().default(0),
  },
  (t) => [index('sessions_channel').on(t.channelId, t.startedAt)],
);

export const segments = sqliteTable(
  'segments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    channelId: integer('channel_id').notNull().references(() => channels.id),
    sessionId: integer('session_id').references(() => sessions.id),
    /** media sequence number within the channel */
    seq: integer('seq').notNull(),
    /** discontinuity sequence of this segment (channel-wide count of session starts before it) */
    discSeq: integer('disc_seq').notNull(),
    key: text('key').notNull(),
    startMs: integer('start_ms').notNull(),
    durationMs: integer('duration_ms').notNull(),
    size: integer('size').notNull(),
    /** 'lost': its spool file vanished before upload (logged); kept so the hole is visible, never retried */
    state: text('state', { enum: ['spooled', 'stored', 'lost'] }).notNull(),
    spoolPath: text('spool_path'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    storedAt: integer('stored_at'),
  },
  (t) => [
    uniqueIndex('segments_channel_key').on(t.channelId, t.key),
    index('segments_channel_start').on(t.channelId, t.startMs),
    index('segments_channel_seq').on(t.channelId, t.seq),
    index('segments_state').on(t.state),
    index('segments_session').on(t.sessionId, t.startMs),
  ],
);

export const vodPlaylists = sqliteTable('vod_playlists', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  channelId: integer('channel_id').notNull().references(() => channels.id),
  name: text('name').notNull(),
  startS: integer('start_s').notNull(),
  endS: integer('end_s').notNull(),
  segments: integer('segments').notNull(),
  createdAt: integer('created_at').notNull(),
});

export const adminUsers = sqliteTable('admin_users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  createdAt: integer('created_at').notNull(),
});

export const adminSessions = sqliteTable('admin_sessions', {
  /** sha256 of the cookie token: a leaked database does not leak live sessions */
  tokenHash: text('token_hash').primaryKey(),
  userId: integer('user_id').notNull().references(() => adminUsers.id),
  csrf: text('csrf').notNull(),
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
});

export type AccessKey = typeof accessKeys.$inferSelect;
export type Channel = typeof channels.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type Segment = typeof segments.$inferSelect;
