-- The member list sorted by unit or by birth year reads an index in the page's order and stops
-- after the page (server/members/repository.ts), instead of sorting every matching member: each
-- unit's members in name order (the units are read in path order; members_unit_idx stays as it
-- is, small, for the counts and subtree sets that read it whole), and the members by birth year,
-- then name, with the status and unit a page checks. About 0.7 s on 100,000 members.
CREATE INDEX `members_unit_name_idx` ON `members` (`unit_id`,`status`,`name_search`);--> statement-breakpoint
CREATE INDEX `members_birth_idx` ON `members` (`birth_year`,`name_search`,`status`,`unit_id`);