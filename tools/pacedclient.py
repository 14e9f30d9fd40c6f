#!/usr/bin/env python3
"""A paced HTTP/1.1 load client for loopback measurements.

Keeps CONNS keep-alive connections to 127.0.0.1:PORT and sends RATE requests
per second in total for SECONDS, each connection one request at a time (the
next only after the previous response), on a fixed schedule. Every request
carries a Basic Authorization header with a made-up credential. Prints the
rate reached, the responses counted and how many requests left more than 5 ms after
their slot.

    tools/pacedclient.py PORT RATE SECONDS [CONNS]
"""
import base64
import selectors
import socket
import sys
import time


def main():
    port, rate, seconds = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    conns = int(sys.argv[4]) if len(sys.argv) > 4 else 32
    cred = base64.b64encode(b"user00001:not-the-password").decode()
    req = (
        f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: pacedclient\r\n"
        f"Authorization: Basic {cred}\r\n\r\n"
    ).encode()
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(conns):
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        socks.append(s)
        sel.register(s, selectors.EVENT_READ)
    idle = list(socks)
    pending = {}
    interval = 1.0 / rate
    start = time.monotonic()
    total = int(rate * seconds)
    sent = done = late = 0
    while done < total:
        now = time.monotonic()
        while sent < total and idle and start + sent * interval <= now:
            if now - (start + sent * interval) > 0.005:
                late += 1
            s = idle.pop()
            s.sendall(req)
            pending[s] = b""
            sent += 1
        wait = max(0.0, start + sent * interval - time.monotonic()) if sent < total else 0.5
        for key, _ in sel.select(timeout=min(wait, 0.5)):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            if not data:
                print("connection closed by server", file=sys.stderr)
                return 1
            buf = pending.get(s, b"") + data
            # Responses are `HTTP/1.1 200 OK ... Content-Length: N\r\n\r\n` + N bytes.
            head_end = buf.find(b"\r\n\r\n")
            if head_end < 0:
                pending[s] = buf
                continue
            length = 0
            for line in buf[:head_end].split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if len(buf) < head_end + 4 + length:
                pending[s] = buf
                continue
            pending.pop(s, None)
            done += 1
            idle.append(s)
    elapsed = time.monotonic() - start
    print(f"requests={done} seconds={elapsed:.2f} rate={done / elapsed:.0f} late_slots={late}")
    for s in socks:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
