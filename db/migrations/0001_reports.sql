CREATE INDEX `certificates_issued_idx` ON `certificates` (`issued_at`);--> statement-breakpoint
CREATE INDEX `enrolment_events_status_at_idx` ON `enrolment_events` (`to_status`,`created_at`);