#!/usr/bin/python3
"""The tests' wire-level oracle: a TCP proxy between real client drivers and
PostgreSQL that forwards every byte unchanged and logs, per connection, every
protocol message it carried, in the order it carried them:
    wireproxy.py LISTEN_PORT SERVER_PORT LOG [tls]
With tls it speaks TLS to the server (its clients speak in clear to it, with
sslmode=disable), so the server's side is a TLS session it logs in clear.
LOG (appended to) gets one JSON object per line: {"conn": upstream local port (the client
port pgnetprof reports), "dir": "c" (client to server) or "s", "type": the
message type ("" for startup-phase messages), "len": its bytes on the wire,
"text": the SQL of a Query or Parse, "code": the SQLSTATE of an ErrorResponse}.
It stops on SIGTERM."""
import asyncio
import json
import signal
import ssl
import struct
import sys

LOG = None
TLS = False


def log(conn, direction, kind, raw):
    rec = {"conn": conn, "dir": direction, "type": kind, "len": len(raw)}
    body = raw[5:]
    if direction == "c" and kind == "Q":
        rec["text"] = body.split(b"\0")[0].decode(errors="replace")
    elif direction == "c" and kind == "P":
        rec["text"] = body.split(b"\0")[1].decode(errors="replace")
    elif direction == "s" and kind == "E":
        for field in body.split(b"\0"):
            if field[:1] == b"C":
                rec["code"] = field[1:].decode()
    LOG.write(json.dumps(rec) + "\n")
    LOG.flush()


class Framer:
    """Splits one direction's byte stream into messages."""

    def __init__(self, conn, direction, peer=None):
        self.conn, self.direction, self.buf = conn, direction, b""
        # the client's first messages (startup, SSLRequest) have no type byte
        self.startup = direction == "c"
        self.peer = peer	# the server's framer, for the client's
        self.answers = 0	# one-byte answers owed to SSLRequest/GSSENCRequest

    def feed(self, data):
        self.buf += data
        while True:
            if self.answers and self.buf:
                log(self.conn, self.direction, "", self.buf[:1])
                self.buf = self.buf[1:]
                self.answers -= 1
                continue
            if self.startup:
                if len(self.buf) < 8:
                    return
                size = struct.unpack("!I", self.buf[:4])[0]
                if len(self.buf) < size:
                    return
                code = struct.unpack("!I", self.buf[4:8])[0]
                log(self.conn, self.direction, "", self.buf[:size])
                self.buf = self.buf[size:]
                if code in (196608, 196610):	# the startup message proper
                    self.startup = False
                elif code in (80877103, 80877104):
                    self.peer.answers += 1
                continue
            if len(self.buf) < 5:
                return
            size = 1 + struct.unpack("!I", self.buf[1:5])[0]
            if len(self.buf) < size:
                return
            log(self.conn, self.direction, self.buf[:1].decode(), self.buf[:size])
            self.buf = self.buf[size:]


async def pump(reader, writer, framer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            framer.feed(data)
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def serve(listen_port, server_port):
    async def handle(creader, cwriter):
        sreader, swriter = await asyncio.open_connection("127.0.0.1", server_port)
        conn = swriter.get_extra_info("sockname")[1]
        if TLS:
            swriter.write(struct.pack("!II", 8, 80877103))	# SSLRequest
            await swriter.drain()
            if await asyncio.wait_for(sreader.readexactly(1), 10) != b"S":
                raise SystemExit("the server refused TLS")
            ctx = ssl.create_default_context()
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            await swriter.start_tls(ctx)
        server_side = Framer(conn, "s")
        await asyncio.gather(pump(creader, swriter, Framer(conn, "c", server_side)),
                             pump(sreader, cwriter, server_side))

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()


def main():
    global LOG, TLS
    listen_port, server_port, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    TLS = sys.argv[4:] == ["tls"]
    LOG = open(path, "a")	# appended: the caller may empty it between runs
    asyncio.run(serve(listen_port, server_port))


main()
