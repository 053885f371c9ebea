ALTER TABLE `enrolments` ADD `certified` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `enrolments_uncertified_idx` ON `enrolments` (`activity_id`) WHERE status = 'completed' and certified = 0;--> statement-breakpoint
ALTER TABLE `sessions` ADD `marked_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `attended_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `enrolments` SET `certified` = 1 WHERE EXISTS (SELECT 1 FROM `certificates` c WHERE c.`enrolment_id` = `enrolments`.`id`);--> statement-breakpoint
UPDATE `sessions` SET `marked_count` = (SELECT count(*) FROM `attendance` a WHERE a.`session_id` = `sessions`.`id`), `attended_count` = (SELECT count(*) FROM `attendance` a WHERE a.`session_id` = `sessions`.`id` AND a.`status` IN ('present', 'late'));--> statement-breakpoint
CREATE TRIGGER `attendance_counts_insert` AFTER INSERT ON `attendance` BEGIN
  UPDATE `sessions` SET `marked_count` = `marked_count` + 1, `attended_count` = `attended_count` + (NEW.`status` IN ('present', 'late')) WHERE `id` = NEW.`session_id`;
END;--> statement-breakpoint
CREATE TRIGGER `attendance_counts_delete` AFTER DELETE ON `attendance` BEGIN
  UPDATE `sessions` SET `marked_count` = `marked_count` - 1, `attended_count` = `attended_count` - (OLD.`status` IN ('present', 'late')) WHERE `id` = OLD.`session_id`;
END;--> statement-breakpoint
CREATE TRIGGER `attendance_counts_update` AFTER UPDATE OF `status`, `session_id` ON `attendance` BEGIN
  UPDATE `sessions` SET `marked_count` = `marked_count` - 1, `attended_count` = `attended_count` - (OLD.`status` IN ('present', 'late')) WHERE `id` = OLD.`session_id`;
  UPDATE `sessions` SET `marked_count` = `marked_count` + 1, `attended_count` = `attended_count` + (NEW.`status` IN ('present', 'late')) WHERE `id` = NEW.`session_id`;
END;--> statement-breakpoint
CREATE TRIGGER `certificates_certified_insert` AFTER INSERT ON `certificates` BEGIN
  UPDATE `enrolments` SET `certified` = 1 WHERE `id` = NEW.`enrolment_id`;
END;--> statement-breakpoint
CREATE TRIGGER `certificates_certified_delete` AFTER DELETE ON `certificates` BEGIN
  UPDATE `enrolments` SET `certified` = EXISTS (SELECT 1 FROM `certificates` c WHERE c.`enrolment_id` = OLD.`enrolment_id`) WHERE `id` = OLD.`enrolment_id`;
END;--> statement-breakpoint
CREATE TRIGGER `certificates_certified_update` AFTER UPDATE OF `enrolment_id` ON `certificates` BEGIN
  UPDATE `enrolments` SET `certified` = EXISTS (SELECT 1 FROM `certificates` c WHERE c.`enrolment_id` = OLD.`enrolment_id`) WHERE `id` = OLD.`enrolment_id`;
  UPDATE `enrolments` SET `certified` = 1 WHERE `id` = NEW.`enrolment_id`;
END;
