-- The member search's word index (server/members/search.ts): every word of a member's
-- name_search, split at spaces and at - . , ، ( ) / " ' (json_quote then '","' turns the
-- name into a JSON array), and each word of 4 or more letters beginning with the article
-- "ال" also without it. The triggers below keep it in step with members.name_search.
CREATE TABLE `member_words` (
	`token` text NOT NULL,
	`member_id` integer NOT NULL,
	PRIMARY KEY(`token`, `member_id`)
) WITHOUT ROWID;--> statement-breakpoint
-- the words of the existing members, in key order (about 2 s for 100,000 members)
INSERT INTO `member_words` (`token`, `member_id`)
    SELECT value, m.`id` FROM `members` m, json_each('[' || replace(json_quote(replace(replace(replace(replace(replace(replace(replace(replace(replace(m.`name_search`, '-', ' '), '.', ' '), ',', ' '), '،', ' '), '(', ' '), ')', ' '), '/', ' '), '"', ' '), '''', ' ')), ' ', '","') || ']') WHERE value <> ''
    UNION SELECT substr(value, 3), m.`id` FROM `members` m, json_each('[' || replace(json_quote(replace(replace(replace(replace(replace(replace(replace(replace(replace(m.`name_search`, '-', ' '), '.', ' '), ',', ' '), '،', ' '), '(', ' '), ')', ' '), '/', ' '), '"', ' '), '''', ' ')), ' ', '","') || ']') WHERE substr(value, 1, 2) = 'ال' AND length(value) >= 4
    ORDER BY 1, 2;--> statement-breakpoint
CREATE INDEX `member_words_member_idx` ON `member_words` (`member_id`,`token`);--> statement-breakpoint
CREATE TRIGGER `members_words_insert` AFTER INSERT ON `members` BEGIN
  INSERT OR IGNORE INTO `member_words` (`token`, `member_id`)
    SELECT value, NEW.`id` FROM json_each('[' || replace(json_quote(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.`name_search`, '-', ' '), '.', ' '), ',', ' '), '،', ' '), '(', ' '), ')', ' '), '/', ' '), '"', ' '), '''', ' ')), ' ', '","') || ']') WHERE value <> ''
    UNION SELECT substr(value, 3), NEW.`id` FROM json_each('[' || replace(json_quote(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.`name_search`, '-', ' '), '.', ' '), ',', ' '), '،', ' '), '(', ' '), ')', ' '), '/', ' '), '"', ' '), '''', ' ')), ' ', '","') || ']') WHERE substr(value, 1, 2) = 'ال' AND length(value) >= 4;
END;--> statement-breakpoint
CREATE TRIGGER `members_words_update` AFTER UPDATE OF `name_search`, `id` ON `members`
  WHEN OLD.`name_search` IS NOT NEW.`name_search` OR OLD.`id` IS NOT NEW.`id` BEGIN
  DELETE FROM `member_words` WHERE `member_id` = OLD.`id`;
  INSERT OR IGNORE INTO `member_words` (`token`, `member_id`)
    SELECT value, NEW.`id` FROM json_each('[' || replace(json_quote(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.`name_search`, '-', ' '), '.', ' '), ',', ' '), '،', ' '), '(', ' '), ')', ' '), '/', ' '), '"', ' '), '''', ' ')), ' ', '","') || ']') WHERE value <> ''
    UNION SELECT substr(value, 3), NEW.`id` FROM json_each('[' || replace(json_quote(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.`name_search`, '-', ' '), '.', ' '), ',', ' '), '،', ' '), '(', ' '), ')', ' '), '/', ' '), '"', ' '), '''', ' ')), ' ', '","') || ']') WHERE substr(value, 1, 2) = 'ال' AND length(value) >= 4;
END;--> statement-breakpoint
CREATE TRIGGER `members_words_delete` AFTER DELETE ON `members` BEGIN
  DELETE FROM `member_words` WHERE `member_id` = OLD.`id`;
END;
