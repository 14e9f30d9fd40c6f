"""Shared helpers: fixture users, response writing, Basic parsing, cookies."""

import base64
import email.utils
import time

USERS = {"alice": "correct-horse", "bob": "battery-staple"}
REALM = "ops"

# Request bodies above this are refused rather than read into memory.
MAX_BODY = 64 * 1024


def send(h, status, body=b"", ctype="text/plain; charset=utf-8",
         headers=(), reason=None, date=None, server=None):
    """Write a complete response with Content-Length (keep-alive friendly).

    `headers` is a sequence of (name, value); repeated names are allowed so a
    response can carry several WWW-Authenticate or Set-Cookie fields.
    `date` overrides the Date header (seconds since the epoch); otherwise the
    server's --date-offset applies. `server` overrides the Server header.
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    h.send_response_only(status, reason)
    h.send_header("Server", server or h.server.banner)
    stamp = time.time() + h.server.date_offset if date is None else date
    h.send_header("Date", email.utils.formatdate(stamp, usegmt=True))
    names = {n.lower() for n, _ in headers}
    if body and "content-type" not in names:
        h.send_header("Content-Type", ctype)
    for name, value in headers:
        h.send_header(name, value)
    if status not in (204, 304):
        h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(body)


def read_body(h):
    """Read the request body (Content-Length only); returns bytes."""
    try:
        length = int(h.headers.get("Content-Length", "0"))
    except ValueError:
        length = 0
    length = max(0, min(length, MAX_BODY))
    return h.rfile.read(length) if length else b""


def parse_form(body):
    """Decode an application/x-www-form-urlencoded body into a dict."""
    from urllib.parse import parse_qs
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def authorizations(h, name="Authorization"):
    """All values of the Authorization (or Proxy-Authorization) fields."""
    return h.headers.get_all(name) or []


def basic_user(value):
    """Return (user, password) from a `Basic <b64>` value, or None."""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        raw = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    user, sep, password = raw.partition(":")
    return (user, password) if sep else None


def check_basic(h, name="Authorization"):
    """'ok:<user>' when valid Basic credentials are present, 'bad' when
    Basic credentials are wrong, 'none' when there are none, 'other' when the
    client sent another scheme."""
    values = authorizations(h, name)
    if not values:
        return "none"
    creds = basic_user(values[0])
    if creds is None:
        return "other"
    user, password = creds
    if USERS.get(user) == password:
        return "ok:" + user
    return "bad"


def cookies(h):
    """Cookies the client sent, as a dict (last one wins)."""
    jar = {}
    for field in h.headers.get_all("Cookie") or []:
        for part in field.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep:
                jar[name] = value
    return jar


def html_page(title, text):
    return ("<!DOCTYPE html>\n<html><head><title>%s</title></head>\n"
            "<body><h1>%s</h1><p>%s</p></body></html>\n" % (title, title, text))
