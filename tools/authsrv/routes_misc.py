"""Rate limits, oversized headers, CORS preflight, cross-port redirect and
ordinary browsing.

/limited/       3 requests per 10 s window per client IP, then 429 with
                Retry-After in seconds (RFC 9110 §10.2.3) and both RateLimit-*
                (draft-ietf-httpapi-ratelimit-headers) and X-RateLimit-* fields
/limited-date/  same, Retry-After as an HTTP-date
/busy/          503 with Retry-After: 30;  /busy-date/ the HTTP-date form
/big/           431 when the request header block exceeds 8 KiB (RFC 6585 §5)
/big-nginx/     400 "Request Header Or Cookie Too Large", as nginx words it
/cors/          OPTIONS preflight answered 401; GET behaves like /bearer/
/redirect/      302 to the same path on --redirect-port (another origin)
/, /static/style.css (ETag, 304), /old (301 -> /new), /new: plain browsing
"""

import email.utils
import threading
import time

from .common import html_page, send
from .routes_auth import bearer

WINDOW = 10.0
LIMIT = 3
HEADER_LIMIT = 8192

_lock = threading.Lock()
_windows = {}  # (client ip, route) -> (window start, count)


def _take(key):
    """Count one request; return (allowed, remaining, seconds to reset)."""
    now = time.time()
    with _lock:
        if len(_windows) > 10000:
            _windows.clear()
        start, count = _windows.get(key, (now, 0))
        if now - start >= WINDOW:
            start, count = now, 0
        count += 1
        _windows[key] = (start, count)
    reset = max(1, int(round(start + WINDOW - now)))
    return count <= LIMIT, max(0, LIMIT - count), reset


def limited(h):
    route = h.path.split("/")[1]
    allowed, remaining, reset = _take((h.client_address[0], route))
    headers = [("RateLimit-Limit", str(LIMIT)),
               ("RateLimit-Remaining", str(remaining)),
               ("RateLimit-Reset", str(reset)),
               ("X-RateLimit-Limit", str(LIMIT)),
               ("X-RateLimit-Remaining", str(remaining)),
               ("X-RateLimit-Reset", str(int(time.time()) + reset))]
    if allowed:
        send(h, 200, '{"items":[]}\n', ctype="application/json", headers=headers)
        return
    if route == "limited-date":
        retry = email.utils.formatdate(time.time() + reset, usegmt=True)
    else:
        retry = str(reset)
    send(h, 429, '{"error":"too many requests"}\n', ctype="application/json",
         headers=headers + [("Retry-After", retry)])


def busy(h):
    if h.path.startswith("/busy-date/"):
        retry = email.utils.formatdate(time.time() + 30, usegmt=True)
    else:
        retry = "30"
    send(h, 503, "Service Unavailable: maintenance in progress\n",
         headers=[("Retry-After", retry)])


def _header_bytes(h):
    return len(h.requestline) + len(h.headers.as_string())


def big(h):
    if _header_bytes(h) <= HEADER_LIMIT:
        send(h, 200, "ok\n")
        return
    send(h, 431, "Request Header Fields Too Large\n",
         headers=[("Connection", "close")])
    h.close_connection = True


def big_nginx(h):
    if _header_bytes(h) <= HEADER_LIMIT:
        send(h, 200, "ok\n")
        return
    body = ("<html>\r\n<head><title>400 Request Header Or Cookie Too Large"
            "</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1>"
            "</center>\r\n<center>Request Header Or Cookie Too Large</center>"
            "\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
    send(h, 400, body, ctype="text/html", server="nginx",
         headers=[("Connection", "close")])
    h.close_connection = True


def cors(h):
    if h.command == "OPTIONS":
        send(h, 401, '{"error":"unauthorized"}\n', ctype="application/json",
             headers=[("WWW-Authenticate", 'Bearer realm="api"')])
        return
    bearer(h)


def redirect(h):
    port = h.server.redirect_port or h.server.server_address[1]
    target = "http://127.0.0.1:%d/basic/%s" % (port, h.path[len("/redirect/"):])
    send(h, 302, html_page("Found", "Moved to %s" % target), ctype="text/html",
         headers=[("Location", target)])


def index(h):
    if h.path not in ("/", "/index.html"):
        send(h, 404, "Not Found\n")
        return
    body = ('<!DOCTYPE html><html><head><title>ops portal</title>'
            '<link rel="stylesheet" href="/static/style.css"></head>'
            '<body><a href="/app/">dashboard</a></body></html>\n')
    send(h, 200, body, ctype="text/html")


STYLE = b"body { font-family: sans-serif; margin: 2em; }\n"
ETAG = '"style-v1"'


def static(h):
    if h.headers.get("If-None-Match") == ETAG:
        send(h, 304, b"", headers=[("ETag", ETAG)])
        return
    send(h, 200, STYLE, ctype="text/css",
         headers=[("ETag", ETAG), ("Cache-Control", "max-age=60")])


def old(h):
    send(h, 301, html_page("Moved", "See /new"), ctype="text/html",
         headers=[("Location", "/new")])


def new(h):
    send(h, 200, html_page("New page", "Content moved here."),
         ctype="text/html")


ROUTES = [
    ("*", "/limited-date/", limited),
    ("*", "/limited/", limited),
    ("*", "/busy-date/", busy),
    ("*", "/busy/", busy),
    ("*", "/big-nginx/", big_nginx),
    ("*", "/big/", big),
    ("*", "/cors/", cors),
    ("*", "/redirect/", redirect),
    ("*", "/static/", static),
    ("*", "/old", old),
    ("*", "/new", new),
    ("*", "/", index),
]
