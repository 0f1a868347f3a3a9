-- Version 6: which server (cluster) of the host a row comes from: its
-- postmaster's pid, port and data directory, the JSON fields "server_pid",
-- "server_port" and "data_directory"; NULL when unknown (the server was gone
-- before pgnetprof read them, or rows stored before this version). And the
-- backend's pid in a pid namespace of its own (a container's), "ns_pid";
-- NULL when it has none.
ALTER TABLE pgnetprof.statements
	ADD COLUMN ns_pid integer,
	ADD COLUMN server_pid integer,
	ADD COLUMN server_port integer,
	ADD COLUMN data_directory text;
ALTER TABLE pgnetprof.sessions
	ADD COLUMN ns_pid integer,
	ADD COLUMN server_pid integer,
	ADD COLUMN server_port integer,
	ADD COLUMN data_directory text;
