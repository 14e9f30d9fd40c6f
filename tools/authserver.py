#!/usr/bin/env python3
"""authscope test server: reproduces HTTP authentication problems on loopback.

A threaded HTTP/1.1 server (keep-alive) with one route per behaviour listed in
the route modules under tools/authsrv/. It exists to record real traffic for
the capture fixtures (scripts/capture/record.sh); every credential is made up.

  python3 tools/authserver.py serve --port 8080 [--redirect-port 8081]
          [--date-offset -7200] [--ready-file F]
  python3 tools/authserver.py mint-jwt --exp-in -3600 --scope read

Standard library only.
"""

import argparse
import http.server
import os
import socketserver
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from authsrv import (iis, jwt, routes_auth, routes_misc,  # noqa: E402
                     routes_session, routes_windows)
from authsrv.common import send  # noqa: E402

ROUTES = (routes_auth.ROUTES + routes_session.ROUTES + routes_windows.ROUTES
          + iis.ROUTES + routes_misc.ROUTES)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Keep-alive connections idle longer than this are closed by the server.
    timeout = 15

    def log_message(self, fmt, *args):
        if not self.server.quiet:
            sys.stderr.write("authserver %s %s\n" % (
                self.address_string(), fmt % args))

    def _dispatch(self):
        if self.path.startswith("http://"):
            routes_auth.proxy(self)
            return
        path = self.path.split("?")[0]
        best = None
        for method, prefix, func in ROUTES:
            if method not in ("*", self.command):
                continue
            if path.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
                best = (prefix, func)
        if best is None:
            send(self, 404, "Not Found\n")
            return
        best[1](self)

    do_GET = do_POST = do_HEAD = do_OPTIONS = do_PUT = do_DELETE = _dispatch


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    banner = "authscope-testserver/1.0"
    date_offset = 0.0
    redirect_port = 0
    quiet = False


def serve(args):
    server = Server((args.host, args.port), Handler)
    server.date_offset = args.date_offset
    server.redirect_port = args.redirect_port
    server.quiet = args.quiet
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w") as f:
            f.write("%d\n" % server.server_address[1])
        os.replace(args.ready_file + ".tmp", args.ready_file)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="run the server")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--redirect-port", type=int, default=0,
                   help="port that /redirect/ points to")
    s.add_argument("--date-offset", type=float, default=0.0,
                   help="seconds added to the Date header (clock skew)")
    s.add_argument("--ready-file", help="write the bound port here once listening")
    s.add_argument("--quiet", action="store_true")
    m = sub.add_parser("mint-jwt", help="print an HS256 token the server accepts")
    m.add_argument("--sub", default="alice")
    m.add_argument("--scope", default="read")
    m.add_argument("--exp-in", type=int, default=3600,
                   help="seconds until exp (negative: already expired)")
    m.add_argument("--iat-in", type=int, default=0)
    args = ap.parse_args()
    if args.cmd == "serve":
        serve(args)
    else:
        print(jwt.mint(args.sub, args.scope, args.exp_in, args.iat_in))


if __name__ == "__main__":
    main()
