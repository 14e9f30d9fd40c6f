"""Minimal HS256 JSON Web Tokens (RFC 7519, RFC 7515 compact form).

Only what the fixtures need: mint a token with chosen exp/iat/scope and
verify its signature and expiry. The key is a made-up fixture secret.
"""

import base64
import hashlib
import hmac
import json
import time

SECRET = b"authscope-fixture-secret-not-a-real-key"


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text):
    pad = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text + pad)


def mint(sub="alice", scope="read", exp_in=3600, iat_in=0, now=None):
    """Token for `sub` expiring `exp_in` seconds from now (negative: past)."""
    now = int(time.time() if now is None else now)
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {"iss": "https://idp.authscope.test", "aud": "api",
              "sub": sub, "scope": scope,
              "iat": now + iat_in, "exp": now + exp_in}
    signing = _b64(json.dumps(header, separators=(",", ":")).encode()) + "." + \
        _b64(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(SECRET, signing.encode("ascii"), hashlib.sha256).digest()
    return signing + "." + _b64(sig)


def verify(token, now=None):
    """Return (status, claims): status is 'ok', 'expired' or 'invalid'."""
    parts = token.split(".")
    if len(parts) != 3:
        return "invalid", {}
    signing = (parts[0] + "." + parts[1]).encode("ascii", "replace")
    want = hmac.new(SECRET, signing, hashlib.sha256).digest()
    try:
        got = _unb64(parts[2])
        claims = json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeDecodeError):
        return "invalid", {}
    if not hmac.compare_digest(want, got) or not isinstance(claims, dict):
        return "invalid", {}
    now = time.time() if now is None else now
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or exp <= now:
        return "expired", claims
    return "ok", claims
