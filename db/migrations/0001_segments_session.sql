-- the timeline and session views look segments up by session: without this each lookup scans the table
CREATE INDEX `segments_session` ON `segments` (`session_id`,`start_ms`);
