"""Connection-oriented and challenge-response schemes: NTLM, Negotiate,
Digest.

/ntlm/        NTLM handshake; the type 2 and type 3 legs must share one TCP
              connection (the handler object lives as long as the connection)
/ntlm-close/  same, but the type 2 answer says Connection: close and the
              server closes, so the handshake can never finish
/negotiate/   offers Negotiate and NTLM; a Negotiate token that is raw
              NTLMSSP is handled like NTLM (what Windows does on fallback)
/digest/      Digest MD5 qop=auth; /digest/slow/ delays its first challenge
              by NONCE_TTL + 1 s, so the nonce it carries is already stale
              when the client answers (server then says stale=true)
"""

import base64
import time

from . import digest, ntlm
from .common import USERS, send


def _token(h, schemes):
    """(scheme, raw bytes) of the first Authorization in `schemes`."""
    for value in h.headers.get_all("Authorization") or []:
        scheme, _, token = value.partition(" ")
        if scheme.lower() in schemes:
            try:
                return scheme, base64.b64decode(token.strip(), validate=True)
            except ValueError:
                return scheme, b""
    return None, b""


def _ntlm_like(h, offer, close_after_challenge):
    scheme, raw = _token(h, [s.lower() for s in offer])
    kind = ntlm.message_type(raw)
    if kind == 1:
        h.ntlm_pending = True
        b64 = base64.b64encode(ntlm.challenge_message()).decode()
        extra = [("Connection", "close")] if close_after_challenge else []
        send(h, 401, "", headers=[("WWW-Authenticate", "%s %s" % (scheme, b64))]
             + extra, server="Microsoft-IIS/10.0")
        if close_after_challenge:
            h.close_connection = True
        return
    user = None
    if kind == 3 and getattr(h, "ntlm_pending", False):
        user = ntlm.verify_authenticate(raw, USERS)
    h.ntlm_pending = False
    if user is None:
        send(h, 401, "Unauthorized\n", server="Microsoft-IIS/10.0",
             headers=[("WWW-Authenticate", s) for s in offer])
        return
    send(h, 200, "Hello %s (via %s)\n" % (user, scheme),
         server="Microsoft-IIS/10.0", headers=[
             ("Persistent-Auth", "true")])


def ntlm_route(h):
    _ntlm_like(h, ["NTLM"], False)


def ntlm_close(h):
    _ntlm_like(h, ["NTLM"], True)


def negotiate(h):
    _ntlm_like(h, ["Negotiate", "NTLM"], False)


def digest_route(h):
    state = "none"
    for value in h.headers.get_all("Authorization") or []:
        state = digest.check(h.command, value, USERS)
        break
    if not state.startswith("ok:"):
        value = digest.challenge(stale=state == "stale")
        if state == "none" and h.path.startswith("/digest/slow/"):
            # A slow server: the nonce is stale by the time the client sees it.
            time.sleep(digest.NONCE_TTL + 1.0)
        send(h, 401, "Unauthorized\n", headers=[("WWW-Authenticate", value)])
        return
    send(h, 200, "Hello %s (Digest)\n" % state[3:])


ROUTES = [
    ("*", "/ntlm-close/", ntlm_close),
    ("*", "/ntlm/", ntlm_route),
    ("*", "/negotiate/", negotiate),
    ("*", "/digest/", digest_route),
]
