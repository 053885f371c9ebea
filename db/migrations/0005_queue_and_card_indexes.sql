-- The nomination queue's filters by the statuses not seated (few rows) and a coordinator's own
-- nominations read enrolments along these instead of the whole table (server/enrolments/
-- repository.ts list(), which repeats the partial index's condition so that only it uses the
-- index), and the cards' print run counts each unit's active card-holders from the partial
-- index alone (server/cards/repository.ts).
CREATE INDEX `enrolments_unseated_idx` ON `enrolments` (`status`) WHERE status not in ('approved', 'completed', 'not_completed');--> statement-breakpoint
CREATE INDEX `enrolments_nominator_idx` ON `enrolments` (`nominated_by_user_id`);--> statement-breakpoint
CREATE INDEX `members_card_unit_idx` ON `members` (`unit_id`,`status`) WHERE card_token is not null;