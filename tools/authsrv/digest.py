"""HTTP Digest with MD5 and qop=auth (RFC 7616 §3.4), server side.

Nonces carry their issue time and an HMAC so the server can tell a stale
nonce (genuine but older than NONCE_TTL: answer stale=true, RFC 7616 §3.3)
from a forged one. Nonce counts are not tracked: replay protection is not
the point of the fixture.
"""

import base64
import hashlib
import hmac
import re
import time

REALM = "ops@authscope.test"
OPAQUE = "5ccc069c403ebaf9f0171e9517f40e41"
NONCE_KEY = b"authscope-fixture-nonce-key"
NONCE_TTL = 2.0

_PARAM = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,\s]*)\s*,?')


def _md5(text):
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def new_nonce(now=None):
    stamp = "%.3f" % (time.time() if now is None else now)
    mac = hmac.new(NONCE_KEY, stamp.encode(), hashlib.sha256).hexdigest()[:16]
    return base64.b64encode(("%s:%s" % (stamp, mac)).encode()).decode()


def nonce_age(nonce, now=None):
    """Seconds since the nonce was issued, or None when it is not ours."""
    try:
        stamp, mac = base64.b64decode(nonce).decode().split(":")
        issued = float(stamp)
    except (ValueError, UnicodeDecodeError):
        return None
    want = hmac.new(NONCE_KEY, stamp.encode(), hashlib.sha256).hexdigest()[:16]
    if not hmac.compare_digest(want, mac):
        return None
    return (time.time() if now is None else now) - issued


def challenge(stale=False):
    value = ('Digest realm="%s", qop="auth", algorithm=MD5, nonce="%s", '
             'opaque="%s"' % (REALM, new_nonce(), OPAQUE))
    if stale:
        value += ", stale=true"
    return value


def parse(value):
    scheme, _, rest = value.partition(" ")
    if scheme.lower() != "digest":
        return None
    params = {}
    for m in _PARAM.finditer(rest):
        raw = m.group(3) if m.group(3) is not None else m.group(2)
        params[m.group(1).lower()] = raw
    return params


def check(method, value, users):
    """'ok:<user>', 'stale', 'bad' or 'none' for one Authorization value."""
    p = parse(value) if value else None
    if not p:
        return "none"
    user = p.get("username", "")
    password = users.get(user)
    if password is None or p.get("realm") != REALM:
        return "bad"
    ha1 = _md5("%s:%s:%s" % (user, REALM, password))
    ha2 = _md5("%s:%s" % (method, p.get("uri", "")))
    want = _md5(":".join([ha1, p.get("nonce", ""), p.get("nc", ""),
                          p.get("cnonce", ""), p.get("qop", ""), ha2]))
    if p.get("qop") != "auth" or not hmac.compare_digest(want, p.get("response", "")):
        return "bad"
    age = nonce_age(p.get("nonce", ""))
    if age is None:
        return "bad"
    if age > NONCE_TTL:
        return "stale"
    return "ok:" + user
