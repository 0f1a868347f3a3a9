#!/usr/bin/env python3
"""A minimal PostgreSQL client speaking the wire protocol itself, so tests
can choose the client's source address (libpq cannot) and read slowly:
    pgwire.py [--slow SECS] SOURCE_ADDR HOST PORT USER DATABASE SQL...
Runs each SQL as a simple Query (trust authentication), then Terminates.
--slow: after sending each query, sleep SECS before reading, then read in
small pieces, so a big result fills the server's socket."""
import socket
import struct
import sys
import time


def message(kind, payload):
    return kind + struct.pack("!I", len(payload) + 4) + payload


SLOW = 0.0


def read_until_ready(sock, buf, queries_started=True):
    """Reads messages until ReadyForQuery; fails on an ErrorResponse at startup."""
    while True:
        while len(buf) < 5 or len(buf) < 1 + struct.unpack("!I", buf[1:5])[0]:
            chunk = sock.recv(4096 if SLOW else 65536)
            if SLOW:
                time.sleep(0.0005)
            if not chunk:
                sys.exit("pgwire: server closed the connection")
            buf += chunk
        kind, size = buf[0:1], struct.unpack("!I", buf[1:5])[0]
        body, buf = buf[5:1 + size], buf[1 + size:]
        if kind == b"R" and struct.unpack("!I", body[:4])[0] != 0:
            sys.exit("pgwire: only trust authentication is supported")
        if kind == b"E" and not queries_started:
            fields = [f[1:].decode(errors="replace") for f in body.split(b"\0") if f[:1] == b"M"]
            sys.exit("pgwire: " + "; ".join(fields))
        if kind == b"Z":
            return buf


def main():
    global SLOW
    args = sys.argv[1:]
    if args[0] == "--slow":
        SLOW = float(args[1])
        args = args[2:]
    source, host, port, user, database, *queries = args
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.bind((source, 0))
    sock.connect((host, int(port)))
    params = b"user\0" + user.encode() + b"\0database\0" + database.encode() + b"\0\0"
    startup = struct.pack("!I", 196608) + params
    sock.sendall(struct.pack("!I", len(startup) + 4) + startup)
    buf = read_until_ready(sock, b"", queries_started=False)
    for q in queries:
        sock.sendall(message(b"Q", q.encode() + b"\0"))
        time.sleep(SLOW)
        buf = read_until_ready(sock, buf)
    sock.sendall(message(b"X", b""))
    sock.close()


main()
