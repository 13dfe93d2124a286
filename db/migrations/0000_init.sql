CREATE TABLE `access_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`secret` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`scope` text DEFAULT '*' NOT NULL,
	`can_push` integer DEFAULT true NOT NULL,
	`can_play` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer
);
--> statement-breakpoint
CREATE TABLE `admin_sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`csrf` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `admin_users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `admin_users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`password_hash` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `admin_users_username_unique` ON `admin_users` (`username`);--> statement-breakpoint
CREATE TABLE `channels` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`bucket` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`status` text DEFAULT 'enabled' NOT NULL,
	`playlist_name` text DEFAULT 'playlist.m3u8' NOT NULL,
	`frag_duration` integer DEFAULT 5 NOT NULL,
	`frag_count` integer DEFAULT 3 NOT NULL,
	`retention_days` integer,
	`next_seq` integer DEFAULT 0 NOT NULL,
	`disc_seq` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `channels_bucket_name` ON `channels` (`bucket`,`name`);--> statement-breakpoint
CREATE TABLE `segments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`channel_id` integer NOT NULL,
	`session_id` integer,
	`seq` integer NOT NULL,
	`disc_seq` integer NOT NULL,
	`key` text NOT NULL,
	`start_ms` integer NOT NULL,
	`duration_ms` integer NOT NULL,
	`size` integer NOT NULL,
	`state` text NOT NULL,
	`spool_path` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`stored_at` integer,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`session_id`) REFERENCES `sessions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `segments_channel_key` ON `segments` (`channel_id`,`key`);--> statement-breakpoint
CREATE INDEX `segments_channel_start` ON `segments` (`channel_id`,`start_ms`);--> statement-breakpoint
CREATE INDEX `segments_channel_seq` ON `segments` (`channel_id`,`seq`);--> statement-breakpoint
CREATE INDEX `segments_state` ON `segments` (`state`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`channel_id` integer NOT NULL,
	`status` text DEFAULT 'live' NOT NULL,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	`end_reason` text,
	`remote_addr` text DEFAULT '' NOT NULL,
	`access_key_id` text,
	`playlist_name` text NOT NULL,
	`target_duration` integer DEFAULT 0 NOT NULL,
	`video_codec` text,
	`width` integer,
	`height` integer,
	`fps` integer,
	`video_kbps` integer,
	`audio_codec` text,
	`sample_rate` integer,
	`audio_kbps` integer,
	`segments` integer DEFAULT 0 NOT NULL,
	`bytes` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `sessions_channel` ON `sessions` (`channel_id`,`started_at`);--> statement-breakpoint
CREATE TABLE `vod_playlists` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`channel_id` integer NOT NULL,
	`name` text NOT NULL,
	`start_s` integer NOT NULL,
	`end_s` integer NOT NULL,
	`segments` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE no action
);
