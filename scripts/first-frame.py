#!/usr/bin/env python3
"""Time from starting `authscope replay FILE` to its first drawn frame.

Runs the real binary in a pseudo-terminal (120x40) and measures the wall time
until the bytes it wrote contain the dashboard's exchange-list title, i.e. the
first complete frame reached the terminal; then sends `q`. Repeats and prints
every run and the median (docs/PERFORMANCE.md, "Dashboard on the 1 GB file").

    scripts/first-frame.py bench-data/bench-1g.pcap [RUNS]
"""
import os
import pty
import select
import signal
import statistics
import struct
import sys
import time
import fcntl
import termios

BIN = os.environ.get("BIN", "target/release/authscope")
MARKER = b"Exchanges"


def one_run(path):
    start = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execv(BIN, [BIN, "replay", path])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen = b""
    first = None
    deadline = start + 30
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if not r:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if MARKER in seen:
            first = time.monotonic() - start
            break
    os.write(fd, b"q")
    end = time.monotonic() + 5
    while time.monotonic() < end:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        try:
            select.select([fd], [], [], 0.1)
            os.read(fd, 65536)
        except OSError:
            pass
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(fd)
    return first


def main():
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    times = []
    for i in range(runs):
        t = one_run(path)
        if t is None:
            print(f"run {i + 1}: no frame within 30 s", file=sys.stderr)
            sys.exit(1)
        times.append(t * 1000)
        print(f"run {i + 1}: first frame after {t * 1000:.1f} ms")
    print(f"median {statistics.median(times):.1f} ms over {runs} runs "
          f"(min {min(times):.1f}, max {max(times):.1f})")


if __name__ == "__main__":
    main()
