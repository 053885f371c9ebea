CREATE TABLE `data_stamps` (
	`name` text PRIMARY KEY NOT NULL,
	`n` integer DEFAULT 0 NOT NULL
);--> statement-breakpoint
-- `settled` counts the writes that can change figures of a period that ended more than two
-- days ago (172800 s, SETTLED_AFTER_MS in server/core/cache.ts; times are milliseconds): the
-- reports keep such figures while it is unchanged (server/reports/service.ts). A mark, a
-- session or a completion dated in the last two days does not raise it, so today's check-ins
-- and roster saves leave last month's report as it was kept. Missing a write here would serve
-- stale figures: tests/reports/settled.test.ts makes every kind of write and compares the kept
-- report with one computed afresh.
INSERT INTO `data_stamps` (`name`, `n`) VALUES ('settled', 0);--> statement-breakpoint
CREATE TRIGGER `settled_attendance_insert` AFTER INSERT ON `attendance`
WHEN (SELECT `starts_at` FROM `sessions` WHERE `id` = NEW.`session_id`) < (unixepoch() - 172800) * 1000 BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_attendance_delete` AFTER DELETE ON `attendance`
WHEN (SELECT `starts_at` FROM `sessions` WHERE `id` = OLD.`session_id`) < (unixepoch() - 172800) * 1000 BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_attendance_update` AFTER UPDATE OF `status`, `session_id`, `member_id` ON `attendance`
WHEN (SELECT `starts_at` FROM `sessions` WHERE `id` = OLD.`session_id`) < (unixepoch() - 172800) * 1000
  OR (SELECT `starts_at` FROM `sessions` WHERE `id` = NEW.`session_id`) < (unixepoch() - 172800) * 1000 BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_sessions_insert` AFTER INSERT ON `sessions`
WHEN NEW.`starts_at` < (unixepoch() - 172800) * 1000 BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_sessions_delete` AFTER DELETE ON `sessions`
WHEN OLD.`starts_at` < (unixepoch() - 172800) * 1000 BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_sessions_update` AFTER UPDATE OF `starts_at`, `status`, `activity_id`, `marked_count`, `attended_count` ON `sessions`
WHEN OLD.`starts_at` < (unixepoch() - 172800) * 1000 OR NEW.`starts_at` < (unixepoch() - 172800) * 1000 BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_activities_update` AFTER UPDATE OF `kind`, `status`, `organising_unit_id` ON `activities`
WHEN EXISTS (SELECT 1 FROM `sessions` WHERE `activity_id` = NEW.`id` AND `starts_at` < (unixepoch() - 172800) * 1000) BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_activities_delete` AFTER DELETE ON `activities` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_members_update` AFTER UPDATE OF `unit_id`, `gender`, `birth_year` ON `members`
WHEN OLD.`unit_id` IS NOT NEW.`unit_id` OR OLD.`gender` IS NOT NEW.`gender` OR OLD.`birth_year` IS NOT NEW.`birth_year` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_members_delete` AFTER DELETE ON `members` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_member_councils_insert` AFTER INSERT ON `member_councils` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_member_councils_delete` AFTER DELETE ON `member_councils` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_member_councils_update` AFTER UPDATE ON `member_councils` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_councils_update` AFTER UPDATE ON `councils` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_councils_delete` AFTER DELETE ON `councils` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_units_insert` AFTER INSERT ON `units` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_units_update` AFTER UPDATE ON `units` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_units_delete` AFTER DELETE ON `units` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_enrolments_update` AFTER UPDATE OF `status`, `member_id`, `activity_id` ON `enrolments`
WHEN ((OLD.`status` = 'completed') <> (NEW.`status` = 'completed') AND EXISTS (SELECT 1 FROM `enrolment_events`
    WHERE `enrolment_id` = NEW.`id` AND `to_status` = 'completed' AND `created_at` < (unixepoch() - 172800) * 1000))
  OR OLD.`member_id` IS NOT NEW.`member_id` OR OLD.`activity_id` IS NOT NEW.`activity_id` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_enrolments_delete` AFTER DELETE ON `enrolments` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_enrolment_events_insert` AFTER INSERT ON `enrolment_events`
WHEN NEW.`created_at` < (unixepoch() - 172800) * 1000 BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_enrolment_events_update` AFTER UPDATE ON `enrolment_events` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_enrolment_events_delete` AFTER DELETE ON `enrolment_events` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_certificates_insert` AFTER INSERT ON `certificates`
WHEN NEW.`issued_at` < (unixepoch() - 172800) * 1000 BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_certificates_update` AFTER UPDATE OF `enrolment_id`, `issued_at`, `revoked_at` ON `certificates` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;--> statement-breakpoint
CREATE TRIGGER `settled_certificates_delete` AFTER DELETE ON `certificates` BEGIN
  UPDATE `data_stamps` SET `n` = `n` + 1 WHERE `name` = 'settled';
END;
