"""Basic, Bearer, proxy and challenge-shape routes.

/basic/           Basic realm="ops" (RFC 7617); wrong or foreign scheme -> 401
/basic/admin/     Basic accepted, then 403: the identity lacks permission
/bearer/          Bearer JWT (RFC 6750 §3): expired -> invalid_token
/bearer/admin/    needs scope admin:write -> 403 insufficient_scope
/nochallenge/     401 with no WWW-Authenticate at all (RFC 9110 §15.5.2 broken)
/multi/           offers Negotiate, NTLM and Basic at once
/apikey/          X-API-Key header (cleartext secret) or 401
proxy requests    absolute-form targets (RFC 9112 §3.2.2): 407, RFC 9110 §15.5.8
"""

import json

from . import jwt
from .common import REALM, authorizations, check_basic, send

BASIC_CHALLENGE = ("WWW-Authenticate", 'Basic realm="%s", charset="UTF-8"' % REALM)
BEARER_REALM = 'Bearer realm="api"'
API_KEYS = {"ak_test_5f2b9c0e1d": "alice"}


def _json(obj):
    return json.dumps(obj, separators=(",", ":")) + "\n"


def basic(h):
    state = check_basic(h)
    if not state.startswith("ok:"):
        send(h, 401, "Unauthorized\n", headers=[BASIC_CHALLENGE])
        return
    send(h, 200, _json({"hello": state[3:], "path": h.path}),
         ctype="application/json")


def basic_admin(h):
    state = check_basic(h)
    if not state.startswith("ok:"):
        send(h, 401, "Unauthorized\n", headers=[BASIC_CHALLENGE])
        return
    send(h, 403, "Forbidden: user %s is not in group ops-admins\n" % state[3:])


def _bearer_token(h):
    for value in authorizations(h):
        scheme, _, token = value.partition(" ")
        if scheme.lower() == "bearer":
            return token.strip()
    return None


def _bearer(h, need_scope):
    token = _bearer_token(h)
    if token is None:
        send(h, 401, _json({"error": "unauthorized"}), ctype="application/json",
             headers=[("WWW-Authenticate", BEARER_REALM)])
        return
    status, claims = jwt.verify(token)
    if status != "ok":
        desc = "The access token expired" if status == "expired" \
            else "The access token is invalid"
        challenge = '%s, error="invalid_token", error_description="%s"' % (
            BEARER_REALM, desc)
        send(h, 401, _json({"error": "invalid_token"}), ctype="application/json",
             headers=[("WWW-Authenticate", challenge)])
        return
    scopes = str(claims.get("scope", "")).split()
    if need_scope and need_scope not in scopes:
        challenge = '%s, error="insufficient_scope", scope="%s"' % (
            BEARER_REALM, need_scope)
        send(h, 403, _json({"error": "insufficient_scope"}),
             ctype="application/json", headers=[("WWW-Authenticate", challenge)])
        return
    send(h, 200, _json({"sub": claims.get("sub"), "scope": scopes}),
         ctype="application/json")


def bearer(h):
    _bearer(h, None)


def bearer_admin(h):
    _bearer(h, "admin:write")


def nochallenge(h):
    if check_basic(h).startswith("ok:"):
        send(h, 200, "ok\n")
        return
    send(h, 401, _json({"error": "unauthorized", "message": "login required"}),
         ctype="application/json")


def multi(h):
    if check_basic(h).startswith("ok:"):
        send(h, 200, "ok\n")
        return
    send(h, 401, "Unauthorized\n", headers=[
        ("WWW-Authenticate", "Negotiate"), ("WWW-Authenticate", "NTLM"),
        ("WWW-Authenticate", 'Basic realm="%s"' % REALM)])


def apikey(h):
    user = API_KEYS.get(h.headers.get("X-API-Key", ""))
    if user is None:
        send(h, 401, _json({"error": "missing or unknown API key"}),
             ctype="application/json",
             headers=[("WWW-Authenticate", 'ApiKey realm="api", header="X-API-Key"')])
        return
    send(h, 200, _json({"hello": user}), ctype="application/json")


def proxy(h):
    """Act as a forward proxy that wants Basic proxy credentials."""
    silent = "://nochallenge." in h.path
    state = check_basic(h, "Proxy-Authorization")
    if state.startswith("ok:") and not silent:
        send(h, 200, "proxied %s for %s\n" % (h.path, state[3:]),
             headers=[("Via", "1.1 authscope-proxy")])
        return
    headers = [] if silent else [
        ("Proxy-Authenticate", 'Basic realm="corp-proxy"')]
    send(h, 407, "Proxy Authentication Required\n", headers=headers)


ROUTES = [
    ("*", "/basic/admin/", basic_admin),
    ("*", "/basic/", basic),
    ("*", "/bearer/admin/", bearer_admin),
    ("*", "/bearer/", bearer),
    ("*", "/nochallenge/", nochallenge),
    ("*", "/multi/", multi),
    ("*", "/apikey/", apikey),
]

