#!/usr/bin/env python3
"""Summarise capture files with tshark, one Markdown table row per file:
packets, duration, TCP connections, requests, and the response status codes
in order. Used to write the "what tshark shows" column of the READMEs.

  python3 scripts/capture/summarize.py captures/demo.pcap captures/scenarios/*.pcap
"""

import subprocess
import sys


def tshark(path, *args):
    out = subprocess.run(["tshark", "-r", path, *args], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    return [line for line in out.splitlines() if line]


def row(path):
    frames = tshark(path, "-T", "fields", "-e", "frame.time_relative",
                    "-e", "tcp.stream")
    streams = {f.split("\t")[1] for f in frames if "\t" in f}
    duration = float(frames[-1].split("\t")[0]) if frames else 0.0
    http = tshark(path, "-Y", "http", "-T", "fields", "-e",
                  "http.request.method", "-e", "http.response.code")
    methods, statuses = [], []
    for line in http:
        method, _, code = line.partition("\t")
        if method:
            methods.append(method)
        if code:
            statuses.append(code)
    seq = []
    for code in statuses:
        if seq and seq[-1][0] == code:
            seq[-1][1] += 1
        else:
            seq.append([code, 1])
    shown = " ".join(c if n == 1 else "%s×%d" % (c, n) for c, n in seq)
    name = path.split("/")[-1]
    return "| %s | %d | %.1f s | %d | %d | %s |" % (
        name, len(frames), duration, len(streams), len(methods), shown)


def main():
    print("| file | packets | duration | TCP conns | requests | statuses in order |")
    print("|---|---|---|---|---|---|")
    for path in sys.argv[1:]:
        print(row(path))


if __name__ == "__main__":
    main()
