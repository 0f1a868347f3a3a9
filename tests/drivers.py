#!/usr/bin/python3
"""Real client drivers (psycopg 3, asyncpg) against a traced server, through
the wire-level oracle (wireproxy.py), and the check of pgnetprof's records
against what the oracle saw:
    drivers.py run PORT [--simple-only]      the scenarios, through the proxy on PORT
    drivers.py check PROXY_LOG RECORDS [--simple-only] [--per-execution] [--tls]
                                             TAP lines
Each scenario runs on a connection of its own between two marker queries
(simple Query, one cycle each). Its records are the statements pgnetprof
reported between the markers' on that connection. The check wants, per
scenario: the expected texts and statuses in order; per cycle (the
messages up to each ReadyForQuery) the bytes of its records summing
exactly to the bytes the cycle carried each way; and messages the server
sent while idle (NotificationResponse) in no record but in the session's
unattributed bytes. With --per-execution each execution's bytes are its
own; with --tls (the proxy spoke TLS to the server) every figure is at
least the plaintext's."""
import asyncio
import json
import re
import sys

LONG = "update pgn_t set v = v + 1 where id = %s /* " + "x" * 40 + " */"		# > 64 bytes
HUGE = "select %s::int + 1 as v /* " + "y" * 3000 + " */"	# > --query-max 2048
PG_LONG = LONG.replace("%s", "$1")
PG_HUGE = HUGE.replace("%s", "$1")
INSERT = "insert into pgn_t (id, v) values (%s, %s)"
PG_INSERT = INSERT.replace("%s", "$1", 1).replace("%s", "$2", 1)


def marker(name, edge):
    return f"select 'pgn-{edge}:{name}'"


# --- the scenarios: (name, simple protocol only?, expected records, records per cycle)
# A record is (regex the query matches, status). Records per cycle: how many
# records each ReadyForQuery-ended cycle between the markers holds; 0: its
# bytes are the next cycle's first record's.
def psycopg_long_texts(conn):
    with conn.cursor() as cur:
        for i in range(3):
            cur.execute(LONG, (i,), prepare=False)
        cur.execute(HUGE, (7,), prepare=False)


def psycopg_prepared(conn):
    with conn.cursor() as cur:
        for i in range(3):
            cur.execute(LONG, (i,), prepare=True)


def psycopg_executemany(conn):
    with conn.cursor() as cur:
        cur.executemany(INSERT, [(1000 + i, i) for i in range(20)])


def psycopg_pipeline(conn):
    with conn.pipeline():
        with conn.cursor() as cur:
            cur.execute("select %s::int", (1,), prepare=False)
            cur.execute(LONG, (2,), prepare=False)
            cur.execute("select repeat(%s, 500)", ("z",), prepare=False)


def psycopg_pipeline_error(conn):
    """The second of three fails: the server skips the third up to Sync."""
    import psycopg
    try:
        with conn.pipeline():
            with conn.cursor() as cur:
                cur.execute("select %s::int as one", (1,), prepare=False)
                cur.execute("select 1/%s::int as boom", (0,), prepare=False)
                cur.execute("select %s::int as skipped", (3,), prepare=False)
    except psycopg.errors.DivisionByZero:
        pass


def psycopg_copy(conn):
    with conn.cursor() as cur:
        with cur.copy("copy pgn_c (a, b) from stdin") as copy:
            for i in range(2000):
                copy.write_row((i, "row %d %s" % (i, "c" * 20)))
        with cur.copy("copy (select a, b from pgn_c order by a) to stdout") as copy:
            for _ in copy:
                pass


def simple(conn, sql):
    """A simple-protocol Query (psycopg's execute() always uses the extended one)."""
    return conn.pgconn.exec_(sql.encode())


def psycopg_errors(conn):
    for sql in ("begin", "savepoint s", "select 1/0", "rollback to s", "select * from pgn_missing_table",
                "select 2", "rollback"):
        simple(conn, sql)


def psycopg_errors_extended(conn):
    for sql in ("select 1/0", "select 3"):
        try:
            conn.execute(sql, prepare=False)
        except Exception:
            pass


def psycopg_notify(conn, port):
    import select
    import psycopg
    simple(conn, "listen pgn_ch")
    with psycopg.connect(conninfo(port), autocommit=True) as other:
        simple(other, "notify pgn_ch, 'first payload'")
        simple(other, "notify pgn_ch, 'second payload, a little longer'")
    seen = 0
    for _ in range(100):
        if seen >= 2:
            break
        select.select([conn.pgconn.socket], [], [], 0.1)
        conn.pgconn.consume_input()
        while conn.pgconn.notifies():
            seen += 1
    assert seen == 2, "notifications not received"


async def asyncpg_prepared(conn):
    stmt = await conn.prepare(PG_LONG)
    for i in range(3):
        await stmt.fetch(i)


async def asyncpg_executemany(conn):
    await conn.executemany(PG_INSERT, [(2000 + i, i) for i in range(50)])


async def asyncpg_copy(conn):
    await conn.copy_records_to_table("pgn_c", records=[(i, "r%d" % i) for i in range(500)],
                                     columns=["a", "b"])


SELECT_LONG = r"update pgn_t set v = v \+ 1 where id = "
SCENARIOS = [
    ("psycopg_long_texts", False, [(SELECT_LONG, "ok")] * 3 + [(r"select \$1::int \+ 1 as v /\* y", "ok")],
     [1, 1, 1, 1]),
    # the first use of a prepared statement: a Parse round trip joined to
    # the execution it prepares (0: the cycle belongs to the next record)
    ("psycopg_prepared", False, [(SELECT_LONG, "ok")] * 3, [0, 1, 1, 1]),
    ("psycopg_executemany", False, [(r"insert into pgn_t", "ok")] * 20, [20]),
    ("psycopg_pipeline", False, [(r"select \$1::int$", "ok"), (SELECT_LONG, "ok"),
                                 (r"select repeat\(\$1, 500\)", "ok")], [3]),
    # the skipped execution is no record: its bytes are the failure's
    ("psycopg_pipeline_error", False, [(r"as one$", "ok"), (r"as boom$", "error")], [2]),
    ("psycopg_copy", True, [(r"copy pgn_c \(a, b\) from stdin", "ok"), (r"copy \(select a, b", "ok")],
     [1, 1]),
    ("psycopg_errors", True, [(r"^begin$", "ok"), (r"savepoint s", "ok"), (r"select 1/0", "error"),
                              (r"rollback to s", "ok"), (r"pgn_missing_table", "error"),
                              (r"select 2", "error"), (r"^rollback$", "ok")], [1] * 7),
    ("psycopg_errors_extended", False, [(r"select 1/0", "error"), (r"select 3", "ok")], [1, 1]),
    ("psycopg_notify", True, [(r"listen pgn_ch", "ok")], [1]),
    ("asyncpg_prepared", False, [(re.escape("update pgn_t set v = v + 1 where id = $1"), "ok")] * 3,
     [1, 1, 1]),
    ("asyncpg_executemany", False, [(r"insert into pgn_t", "ok")] * 50, [50]),
    # a Parse+Describe round trip (Flush, no Sync) of the columns, then
    # the COPY as a simple Query in the same cycle: two records
    ("asyncpg_copy", False, [(r"SELECT .* FROM .*pgn_c.* LIMIT 1", "ok"), (r"COPY .*pgn_c", "ok")], [2]),
]


def conninfo(port):
    return f"host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=disable"


def run(port, simple_only):
    import psycopg
    import asyncpg

    with psycopg.connect(conninfo(port), autocommit=True) as conn:
        conn.execute("drop table if exists pgn_t, pgn_c")
        conn.execute("create table pgn_t (id int primary key, v int)")
        conn.execute("insert into pgn_t select g, 0 from generate_series(0, 9) g")
        conn.execute("create table pgn_c (a int, b text)")
    for name, simple_proto, _, _ in SCENARIOS:
        if simple_only and not simple_proto:
            continue
        if name.startswith("psycopg"):
            with psycopg.connect(conninfo(port), autocommit=True) as conn:
                simple(conn, marker(name, "begin"))
                fn = globals()[name]
                fn(conn, port) if name == "psycopg_notify" else fn(conn)
                simple(conn, marker(name, "end"))
        else:
            async def one():
                conn = await asyncpg.connect(host="127.0.0.1", port=port, user="postgres",
                                             database="postgres", ssl=False)
                await conn.execute(marker(name, "begin"))
                await globals()[name](conn)
                await conn.execute(marker(name, "end"))
                await conn.close()
            asyncio.run(one())


# --- the check ---------------------------------------------------------------
tap_n = 0
failed = 0


def ok(cond, desc):
    global tap_n, failed
    tap_n += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + f" {tap_n} - {desc}")


def eq(desc, got, want):
    ok(got == want, desc if got == want else f"{desc} (got {got!r}, want {want!r})")


def at_least(desc, got, want):
    """Over TLS each figure is its plaintext's and some of the TLS records'
    framing (the server's socket carries ciphertext): at least the plaintext."""
    flat = lambda v: [x for t in v for x in t] if isinstance(v, list) else [v]
    g, w = flat(got), flat(want)
    ok(len(g) == len(w) and all(a >= b for a, b in zip(g, w)),
       f"{desc}, and TLS framing (got {got!r}, the plaintext's {want!r})")


def cycle_messages(msgs, begin, n):
    """The messages of cycle n after the begin marker's (as cycles_between
    counts them)."""
    start = next(i for i, m in enumerate(msgs) if m["dir"] == "c" and m.get("text") == begin)
    i = next(j for j in range(start, len(msgs)) if msgs[j]["dir"] == "s" and msgs[j]["type"] == "Z") + 1
    out, busy = [], False
    for m in msgs[i:]:
        if m["dir"] == "c":
            busy = True
        elif not busy and m["type"] in "ANS":
            continue
        out.append(m)
        if m["dir"] == "s" and m["type"] == "Z":
            if n == 0:
                return out
            n, out, busy = n - 1, [], False
    return out


def cycles_between(msgs, begin, end):
    """The cycles after the begin marker's and before the end marker's:
    [(client bytes, server bytes)], and the bytes of idle server messages."""
    start = next(i for i, m in enumerate(msgs) if m["dir"] == "c" and m.get("text") == begin)
    stop = next(i for i, m in enumerate(msgs) if m["dir"] == "c" and m.get("text") == end)
    i = next(j for j in range(start, stop) if msgs[j]["dir"] == "s" and msgs[j]["type"] == "Z") + 1
    cycles, rx, tx, idle, busy = [], 0, 0, 0, False
    for m in msgs[i:stop]:
        if m["dir"] == "c":
            rx += m["len"]
            busy = True
        elif not busy and m["type"] in "ANS":	# sent while idle
            idle += m["len"]
        else:
            tx += m["len"]
            if m["type"] == "Z":
                cycles.append((rx, tx))
                rx, tx, busy = 0, 0, False
    return cycles, idle


def executions(msgs):
    """A cycle's bytes per execution as the wire set splits them, from its
    messages in the order the proxy carried them: the client's from each
    message that begins a statement after an execution (or a Query after a
    Parse round trip); the server's to each execution's CommandComplete
    (or EmptyQueryResponse, PortalSuspended, ErrorResponse), through
    ReadyForQuery when a Sync came right after it; what the server sends
    after the end of the latest execution received is that one's until the
    next arrives. [(rx, tx)]"""
    rx, tx, synced = [0], [0], [False]
    executed = parsed = done = False	# done: execution k's end went out
    k = 0	# the execution the server's bytes go to
    ended = {0: None}	# execution: the type of the message that ended it
    for m in msgs:
        t = m["type"]
        if m["dir"] == "c":
            if (t in "PBQFE" and executed) or (t == "Q" and parsed):
                rx.append(0)
                tx.append(0)
                synced.append(False)
                ended[len(rx) - 1] = None
                if not executed or (k == len(rx) - 2 and done and not synced[k]):
                    k, done = len(rx) - 1, False
                executed = parsed = False
            rx[-1] += m["len"]
            executed = executed or t in "EQF"
            parsed = (parsed or t == "P") and not executed
            synced[-1] = synced[-1] or (executed and t == "S")
            continue
        tx[k] += m["len"]
        if t in "CIEs" and not done:
            done = True
        elif t != "Z" or not done:
            continue
        ended[k] = ended[k] or t
        if k < len(rx) - 1 and (t == "Z" or not synced[k]):
            k, done = k + 1, False
    # the executions the server skipped after a failure, up to Sync, are
    # the failure's
    out, i = [], 0
    while i < len(rx):
        j, r, x = i + 1, rx[i], tx[i]
        while ended[i] == "E" and j < len(rx) and not synced[j - 1] and not ended[j]:
            r, x, j = r + rx[j], x + tx[j], j + 1
        out.append((r, x))
        i = j
    return out


def check(proxy_log, records_file, simple_only, per_execution, tls):
    msgs = [json.loads(line) for line in open(proxy_log)]
    recs = [json.loads(line) for line in open(records_file)]
    stmts = [r for r in recs if r["type"] == "statement"]
    sessions = {r["pid"]: r for r in recs if r["type"] == "session"}
    for name, simple_proto, want, per_cycle in SCENARIOS:
        if simple_only and not simple_proto:
            continue
        begin, end = marker(name, "begin"), marker(name, "end")
        conn = next((m["conn"] for m in msgs if m.get("text") == begin), None)
        b = [i for i, r in enumerate(stmts) if r["query"] == begin]
        e = [i for i, r in enumerate(stmts) if r["query"] == end]
        ok(conn is not None and len(b) == 1 and len(e) == 1, f"{name}: markers seen by the proxy and reported")
        if conn is None or len(b) != 1 or len(e) != 1:
            continue
        mine = [r for r in stmts[b[0] + 1:e[0]] if r["pid"] == stmts[b[0]]["pid"]]
        eq(f"{name}: one record per execution", len(mine), len(want))
        eq(f"{name}: on the proxy's connection", stmts[b[0]]["client"], f"127.0.0.1:{conn}")
        for k, (r, (pattern, status)) in enumerate(zip(mine, want)):
            ok(re.search(pattern, r["query"]) is not None, f"{name}: record {k} text /{pattern}/ ({r['query'][:60]!r})")
            eq(f"{name}: record {k} status", r["status"], status)
        mine_msgs = [m for m in msgs if m["conn"] == conn]
        cycles, idle = cycles_between(mine_msgs, begin, end)
        eq(f"{name}: cycles seen on the wire", len(cycles), len(per_cycle))
        at, carry_rx, carry_tx = 0, 0, 0
        for c, ((rx, tx), n) in enumerate(zip(cycles, per_cycle)):
            rx, tx = rx + carry_rx, tx + carry_tx
            carry_rx, carry_tx = (rx, tx) if n == 0 else (0, 0)
            if n == 0:
                continue
            part = mine[at:at + n]
            at += n
            same = at_least if tls else eq
            same(f"{name}: cycle {c}: its records' rx_bytes = the client's bytes",
                 sum(r["rx_bytes"] for r in part), rx)
            same(f"{name}: cycle {c}: its records' tx_bytes = the server's bytes",
                 sum(r["tx_bytes"] for r in part), tx)
            if per_execution and n > 1:
                same(f"{name}: cycle {c}: each execution's rx_bytes and tx_bytes its own",
                   [(r["rx_bytes"], r["tx_bytes"]) for r in part],
                   executions(cycle_messages(mine_msgs, begin, c)))
        if idle:
            sess = sessions.get(stmts[b[0]]["pid"])
            ok(sess is not None and sess["unattributed_tx_bytes"] >= idle,
               f"{name}: {idle} bytes sent while idle are unattributed "
               f"(session: {sess and sess['unattributed_tx_bytes']})")
    print(f"1..{tap_n}")
    return 1 if failed else 0


if __name__ == "__main__":
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if args[0] == "run":
        run(int(args[1]), "--simple-only" in flags)
    else:
        sys.exit(check(args[1], args[2], "--simple-only" in flags, "--per-execution" in flags,
                       "--tls" in flags))
