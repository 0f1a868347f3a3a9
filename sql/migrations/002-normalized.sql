-- Version 2: the statement's text normalized by libpg_query (constants as
-- $n; NULL when it cannot parse the text), the JSON field "normalized".
ALTER TABLE pgnetprof.statements ADD COLUMN normalized text;
