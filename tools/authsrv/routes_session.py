"""Form login with a session cookie (RFC 6265), and ways to break it.

Each variant lives under its own prefix P and has the same three routes:
  GET  /P/        200 with a valid session cookie, else 302 to /P/login
  GET  /P/login   the login form
  POST /P/login   user=..&password=..: 302 back to /P/ with Set-Cookie
  GET  /P/api/    JSON; without a valid session 401 (Cookie scheme of
                  draft-broyer-http-cookie-auth) instead of a redirect
Variants differ only in the Set-Cookie attributes or the session lifetime:
  app       normal (Path=/app/; HttpOnly; SameSite=Lax), 10 min lifetime
  short     normal attributes, session valid for 2 seconds
  secure    Secure cookie set over plain http (client never returns it)
  domain    Domain=login.other.test (does not domain-match the host)
  path      Path=/admin/ (does not path-match /path/)
  samesite  SameSite=None without Secure
  maxage0   Max-Age=0 (expired on arrival)
"""

import secrets
import threading
import time
from urllib.parse import quote

from .common import USERS, cookies, html_page, parse_form, read_body, send

ATTRS = {
    "app": "Path=/app/; HttpOnly; SameSite=Lax",
    "short": "Path=/short/; HttpOnly; SameSite=Lax",
    "secure": "Path=/secure/; Secure; HttpOnly",
    "domain": "Domain=login.other.test; Path=/",
    "path": "Path=/admin/; HttpOnly",
    "samesite": "Path=/samesite/; SameSite=None",
    "maxage0": "Path=/maxage0/; Max-Age=0",
}
LIFETIME = {"short": 2.0}
DEFAULT_LIFETIME = 600.0
MAX_SESSIONS = 10000

_lock = threading.Lock()
_sessions = {}  # sid -> (variant, user, expires_at)


def _new_session(variant, user):
    sid = secrets.token_hex(16)
    with _lock:
        if len(_sessions) >= MAX_SESSIONS:
            _sessions.clear()
        _sessions[sid] = (variant, user,
                          time.time() + LIFETIME.get(variant, DEFAULT_LIFETIME))
    return sid


def _session_user(h, variant):
    sid = cookies(h).get("sid")
    with _lock:
        entry = _sessions.get(sid)
    if entry is None or entry[0] != variant or entry[2] < time.time():
        return None
    return entry[1]


def _variant(h):
    return h.path.split("/")[1]


LOGIN_FORM = """<!DOCTYPE html>
<html><head><title>Sign in</title></head><body>
<h1>Sign in to ops</h1>%s
<form method="post" action="/%s/login">
<input name="user"> <input name="password" type="password">
<input type="hidden" name="next" value="%s"><button>Sign in</button>
</form></body></html>
"""


def page(h):
    variant = _variant(h)
    user = _session_user(h, variant)
    if user is None:
        target = "/%s/login?next=%s" % (variant, quote(h.path, safe=""))
        send(h, 302, html_page("Found", "Please sign in."), ctype="text/html",
             headers=[("Location", target), ("Cache-Control", "no-store")])
        return
    send(h, 200, html_page("Dashboard", "Welcome back, %s." % user),
         ctype="text/html", headers=[("Cache-Control", "no-store")])


def api(h):
    variant = _variant(h)
    user = _session_user(h, variant)
    if user is None:
        challenge = 'Cookie realm="app", form-action="/%s/login", ' \
            'cookie-name="sid"' % variant
        send(h, 401, '{"error":"session required"}\n', ctype="application/json",
             headers=[("WWW-Authenticate", challenge)])
        return
    send(h, 200, '{"user":"%s","items":[1,2,3]}\n' % user,
         ctype="application/json")


def login(h):
    variant = _variant(h)
    if h.command != "POST":
        send(h, 200, LOGIN_FORM % ("", variant, "/%s/" % variant),
             ctype="text/html")
        return
    form = parse_form(read_body(h))
    user = form.get("user", "")
    if USERS.get(user) != form.get("password"):
        send(h, 200, LOGIN_FORM % ("<p>Invalid user name or password.</p>",
                                   variant, "/%s/" % variant), ctype="text/html")
        return
    sid = _new_session(variant, user)
    send(h, 302, html_page("Found", "Signed in."), ctype="text/html", headers=[
        ("Location", "/%s/" % variant),
        ("Set-Cookie", "sid=%s; %s" % (sid, ATTRS[variant]))])


ROUTES = []
for _v in ATTRS:
    ROUTES += [("*", "/%s/login" % _v, login), ("*", "/%s/api/" % _v, api),
               ("*", "/%s/" % _v, page)]
