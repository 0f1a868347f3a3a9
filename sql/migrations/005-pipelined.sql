-- Version 5: statements that shared one extended-protocol cycle (a
-- pipeline: several Execute before one Sync), the JSON field "pipelined".
ALTER TABLE pgnetprof.statements ADD COLUMN pipelined boolean NOT NULL DEFAULT false;
