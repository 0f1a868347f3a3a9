-- Version 8: retention. pgnetprof.statements (by "time"), pgnetprof.sessions
-- (by "end") and pgnetprof.statement_rollups (by start) become range-
-- partitioned in time, so that old history is dropped a partition at a time
-- instead of deleted row by row. Each table has a DEFAULT partition, so that
-- no row is ever rejected; pgnetprof.maintain, which every --store writer
-- calls, creates the partitions ahead of time, moves into a partition of its
-- own whatever landed in the default one, and drops the partitions older
-- than the retention. The rows of an existing store are kept, in partitions
-- of a day; the writers' --partition-width applies to the partitions they
-- create.

-- The time partitions of one of these tables, [lo, hi), oldest first.
CREATE FUNCTION pgnetprof.partitions(parent regclass)
RETURNS TABLE (partition regclass, lo timestamptz, hi timestamptz)
LANGUAGE sql STABLE SET datestyle = 'ISO, YMD' AS $$
	SELECT c.oid::regclass,
	       substring(b FROM 'FROM \(''([^'']*)''\)')::timestamptz,
	       substring(b FROM 'TO \(''([^'']*)''\)')::timestamptz
	FROM pg_catalog.pg_inherits i
	JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid,
	     pg_catalog.pg_get_expr(c.relpartbound, c.oid) b
	WHERE i.inhparent = parent AND b <> 'DEFAULT'
	ORDER BY 2
$$;

-- The partition key column of one of these tables.
CREATE FUNCTION pgnetprof.partition_key(parent regclass) RETURNS name
LANGUAGE sql STABLE AS $$
	SELECT a.attname FROM pg_catalog.pg_partitioned_table p
	JOIN pg_catalog.pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
	WHERE p.partrelid = parent
$$;

-- Makes sure a partition holds time t: [t's period of width, aligned on the
-- Unix epoch (so a day is a UTC day), narrowed to the gap between existing
-- partitions), with the rows the default partition held in that range.
-- Returns the partition created, or NULL when one already held t.
CREATE FUNCTION pgnetprof.partition_for(parent regclass, t timestamptz, width interval) RETURNS regclass
LANGUAGE plpgsql SET datestyle = 'ISO, YMD' AS $$
DECLARE
	w float8 := extract(epoch FROM width);
	from_t timestamptz := to_timestamp(floor(extract(epoch FROM t) / w) * w);
	to_t timestamptz := to_timestamp((floor(extract(epoch FROM t) / w) + 1) * w);
	key name := pgnetprof.partition_key(parent);
	def regclass := (parent::text || '_default')::regclass;
	part text;
BEGIN
	IF EXISTS (SELECT 1 FROM pgnetprof.partitions(parent) p WHERE t >= p.lo AND t < p.hi) THEN
		RETURN NULL;
	END IF;
	SELECT greatest(from_t, max(p.hi)) INTO from_t FROM pgnetprof.partitions(parent) p WHERE p.hi <= t;
	SELECT least(to_t, min(p.lo)) INTO to_t FROM pgnetprof.partitions(parent) p WHERE p.lo > t;
	part := format('%s_p%s', (SELECT relname FROM pg_catalog.pg_class WHERE oid = parent),
		       to_char(from_t AT TIME ZONE 'UTC', 'YYYYMMDD_HH24MISS'));
	EXECUTE format('CREATE TABLE pgnetprof.%I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, parent);
	EXECUTE format('WITH moved AS (DELETE FROM %s WHERE %I >= $1 AND %I < $2 RETURNING *) '
		       'INSERT INTO pgnetprof.%I SELECT * FROM moved', def, key, key, part) USING from_t, to_t;
	EXECUTE format('ALTER TABLE %s ATTACH PARTITION pgnetprof.%I FOR VALUES FROM (%L) TO (%L)',
		       parent, part, from_t, to_t);
	RETURN format('pgnetprof.%I', part)::regclass;
END
$$;

-- What a writer runs every so often (and what cron may run): partitions for
-- the period before now's and `ahead` periods after it; partitions for the
-- rows the default partition holds; then, when retention is given, drops the
-- partitions wholly older than now - retention and deletes the default
-- partition's rows older than that. Returns what it did. Owned by the
-- schema's owner, so a writer allowed to INSERT and to EXECUTE this need not
-- own the tables; another writer's run in progress makes it return at once.
CREATE FUNCTION pgnetprof.maintain(retention interval, width interval, ahead integer DEFAULT 2,
				   now timestamptz DEFAULT now())
RETURNS TABLE (action text, partition text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET datestyle = 'ISO, YMD' SET lock_timeout = '5s' AS $$
DECLARE
	parent regclass;
	created regclass;
	old record;
	t timestamptz;
	key name;
BEGIN
	-- whole seconds keep every bound on a second, so names never collide
	IF width IS NULL OR width < interval '1 second' OR extract(epoch FROM width)::numeric % 1 <> 0 THEN
		RAISE EXCEPTION 'pgnetprof.maintain: the partition width must be a whole number of seconds, at least 1, not %', width;
	END IF;
	IF retention < interval '0' THEN
		RAISE EXCEPTION 'pgnetprof.maintain: the retention must not be negative (NULL keeps everything)';
	END IF;
	IF NOT pg_try_advisory_xact_lock(x'7046414e45545052'::bigint) THEN
		RETURN;
	END IF;
	FOREACH parent IN ARRAY ARRAY['pgnetprof.statements', 'pgnetprof.sessions',
				      'pgnetprof.statement_rollups']::regclass[] LOOP
		key := pgnetprof.partition_key(parent);
		FOR i IN -1 .. greatest(ahead, 0) LOOP
			created := pgnetprof.partition_for(parent, now + i * width, width);
			IF created IS NOT NULL THEN
				action := 'created'; partition := created::text; RETURN NEXT;
			END IF;
		END LOOP;
		-- each round empties one gap of the default partition
		LOOP
			EXECUTE format('SELECT %I FROM %s_default WHERE %I >= $1 LIMIT 1', key, parent, key)
				INTO t USING coalesce(now - retention, '-infinity');
			EXIT WHEN t IS NULL;
			action := 'created'; partition := pgnetprof.partition_for(parent, t, width)::text; RETURN NEXT;
		END LOOP;
		CONTINUE WHEN retention IS NULL;
		FOR old IN SELECT p.partition::text AS name FROM pgnetprof.partitions(parent) p
			   WHERE p.hi <= now - retention LOOP
			EXECUTE format('DROP TABLE %s', old.name);
			action := 'dropped'; partition := old.name; RETURN NEXT;
		END LOOP;
		EXECUTE format('DELETE FROM %s_default WHERE %I < $1', parent, key) USING now - retention;
	END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION pgnetprof.maintain(interval, interval, integer, timestamptz) FROM PUBLIC;

-- The conversion: each table's rows move to a partitioned table of the same
-- name, columns, constraints, indexes and privileges; those who could insert
-- into pgnetprof.statements may run pgnetprof.maintain.
DO $$
DECLARE
	tab record;
	g record;
	t timestamptz;
BEGIN
	FOR tab IN SELECT * FROM (VALUES ('statements', 'time'), ('sessions', 'end'),
					 ('statement_rollups', 'start')) v(name, key) LOOP
		EXECUTE format('ALTER TABLE pgnetprof.%I RENAME TO %I', tab.name, tab.name || '_v7');
		EXECUTE format('CREATE TABLE pgnetprof.%I (LIKE pgnetprof.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS) '
			       'PARTITION BY RANGE (%I)', tab.name, tab.name || '_v7', tab.key);
		EXECUTE format('CREATE TABLE pgnetprof.%I PARTITION OF pgnetprof.%I DEFAULT',
			       tab.name || '_default', tab.name);
		FOR t IN EXECUTE format('SELECT min(%I) FROM pgnetprof.%I GROUP BY floor(extract(epoch FROM %I) / 86400)',
					tab.key, tab.name || '_v7', tab.key) LOOP
			PERFORM pgnetprof.partition_for(format('pgnetprof.%I', tab.name)::regclass, t, interval '1 day');
		END LOOP;
		EXECUTE format('INSERT INTO pgnetprof.%I SELECT * FROM pgnetprof.%I', tab.name, tab.name || '_v7');
		FOR g IN SELECT a.privilege_type, a.grantee FROM pg_class c, aclexplode(c.relacl) a
			 WHERE c.oid = format('pgnetprof.%I', tab.name || '_v7')::regclass AND a.grantee <> c.relowner LOOP
			EXECUTE format('GRANT %s ON pgnetprof.%I TO %s', g.privilege_type, tab.name,
				       CASE g.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END);
			IF tab.name = 'statements' AND g.privilege_type = 'INSERT' THEN
				EXECUTE format('GRANT EXECUTE ON FUNCTION pgnetprof.maintain(interval, interval, integer, timestamptz) TO %s',
					       CASE g.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END);
			END IF;
		END LOOP;
		EXECUTE format('DROP TABLE pgnetprof.%I', tab.name || '_v7');
	END LOOP;
END
$$;
CREATE INDEX statements_time_brin ON pgnetprof.statements USING brin ("time");
CREATE INDEX statements_session ON pgnetprof.statements (host, session);
CREATE INDEX statements_fingerprint ON pgnetprof.statements (fingerprint, "time");
CREATE INDEX sessions_end_brin ON pgnetprof.sessions USING brin ("end");
CREATE INDEX sessions_start_brin ON pgnetprof.sessions USING brin (start);
CREATE INDEX sessions_session ON pgnetprof.sessions (host, session);
CREATE INDEX statement_rollups_start_brin ON pgnetprof.statement_rollups USING brin (start);
CREATE INDEX statement_rollups_fingerprint ON pgnetprof.statement_rollups (fingerprint, start);
