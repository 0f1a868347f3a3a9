#!/usr/bin/env python3
"""A minimal PostgreSQL client speaking the wire protocol itself, so tests
can choose the client's source address (libpq cannot) and read slowly:
    pgwire.py [OPTIONS] SOURCE_ADDR HOST PORT USER DATABASE SQL...
Runs each SQL as a simple Query (trust authentication), then Terminates.
--slow SECS: after sending each query, sleep SECS before reading, then read
  in small pieces, so a big result fills the server's socket.
--protocol 3.N: the protocol version asked for in the startup message
  (3.2 from PostgreSQL 18; older servers answer NegotiateProtocolVersion).
--tls request|direct: TLS after an SSLRequest, or from the first byte
  (PostgreSQL 17's sslnegotiation=direct, ALPN "postgresql").
--pause SECS: sleep SECS after startup, before the first query."""
import socket
import ssl
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


def encrypt(sock, how):
    """The socket wrapped in TLS, negotiated as @how says."""
    if how == "request":
        sock.sendall(struct.pack("!II", 8, 80877103))
        if sock.recv(1) != b"S":
            sys.exit("pgwire: the server refused TLS")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["postgresql"])
    return ctx.wrap_socket(sock)


def main():
    global SLOW
    args = sys.argv[1:]
    opts = {"--slow": "0", "--protocol": "3.0", "--tls": None, "--pause": "0"}
    while args[0] in opts:
        opts[args[0]] = args[1]
        args = args[2:]
    SLOW = float(opts["--slow"])
    major, minor = (int(n) for n in opts["--protocol"].split("."))
    source, host, port, user, database, *queries = args
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.bind((source, 0))
    sock.connect((host, int(port)))
    if opts["--tls"]:
        sock = encrypt(sock, opts["--tls"])
    params = b"user\0" + user.encode() + b"\0database\0" + database.encode() + b"\0\0"
    startup = struct.pack("!I", major << 16 | minor) + params
    sock.sendall(struct.pack("!I", len(startup) + 4) + startup)
    buf = read_until_ready(sock, b"", queries_started=False)
    time.sleep(float(opts["--pause"]))
    for q in queries:
        sock.sendall(message(b"Q", q.encode() + b"\0"))
        time.sleep(SLOW)
        buf = read_until_ready(sock, buf)
    sock.sendall(message(b"X", b""))
    sock.close()


main()
