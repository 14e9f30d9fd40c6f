#!/usr/bin/env python3
"""Tiny NTLM/Negotiate HTTP client for capture scenarios (stdlib only).

curl cannot be told to misbehave, so this client performs an NTLMv2
handshake (MS-NLMP §3.1.5, response per §3.3.2) over http.client and can:
  --scheme Negotiate   put the raw NTLMSSP tokens under the Negotiate scheme,
                       as a Windows client does when Kerberos is unavailable
  --split              send the type 3 message on a new TCP connection, as
                       happens behind a load balancer without affinity
  python3 tools/ntlmclient.py --port P --path /ntlm/x --user alice \
          --password correct-horse [--scheme NTLM] [--split] [--host H]
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from authsrv.ntlm import md4  # noqa: E402

FLAGS = 0xA2088207
WORKSTATION = "WORKSTATION"


def negotiate_message():
    return b"NTLMSSP\x00" + struct.pack("<II", 1, FLAGS) + b"\x00" * 16


def _fields(raw, at):
    length, _, offset = struct.unpack("<HHI", raw[at:at + 8])
    return raw[offset:offset + length]


def authenticate_message(challenge, user, password, domain=""):
    server_challenge = challenge[24:32]
    target_info = _fields(challenge, 40)
    client_challenge = os.urandom(8)
    filetime = int((time.time() + 11644473600) * 10_000_000)
    blob = (b"\x01\x01\x00\x00\x00\x00\x00\x00" + struct.pack("<Q", filetime)
            + client_challenge + b"\x00" * 4 + target_info + b"\x00" * 4)
    key = hmac.new(md4(password.encode("utf-16-le")),
                   (user.upper() + domain).encode("utf-16-le"), hashlib.md5).digest()
    proof = hmac.new(key, server_challenge + blob, hashlib.md5).digest()
    lm = hmac.new(key, server_challenge + client_challenge, hashlib.md5).digest() \
        + client_challenge
    payload = [lm, proof + blob, domain.encode("utf-16-le"),
               user.encode("utf-16-le"), WORKSTATION.encode("utf-16-le"), b""]
    head = b"NTLMSSP\x00" + struct.pack("<I", 3)
    offset = 64
    for item in payload:
        head += struct.pack("<HHI", len(item), len(item), offset)
        offset += len(item)
    head += struct.pack("<I", FLAGS)
    return head + b"".join(payload)


def request(conn, path, host, scheme, token):
    headers = {"Host": host, "User-Agent": "authscope-ntlmclient/1.0"}
    if token is not None:
        headers["Authorization"] = "%s %s" % (scheme, base64.b64encode(token).decode())
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    resp.read()
    print("%d %s" % (resp.status, path), file=sys.stderr)
    return resp


def main():
    ap = argparse.ArgumentParser(description="NTLM handshake client")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="intranet.test")
    ap.add_argument("--path", default="/ntlm/")
    ap.add_argument("--user", default="alice")
    ap.add_argument("--password", default="correct-horse")
    ap.add_argument("--scheme", default="NTLM")
    ap.add_argument("--split", action="store_true")
    args = ap.parse_args()
    host = "%s:%d" % (args.host, args.port)
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
    request(conn, args.path, host, args.scheme, None)
    resp = request(conn, args.path, host, args.scheme, negotiate_message())
    challenge = None
    for value in resp.headers.get_all("WWW-Authenticate") or []:
        scheme, _, token = value.partition(" ")
        if scheme.lower() == args.scheme.lower() and token:
            challenge = base64.b64decode(token)
    if challenge is None or len(challenge) < 48:
        print("no type 2 challenge", file=sys.stderr)
        return 1
    if args.split:
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
    token = authenticate_message(challenge, args.user, args.password)
    resp = request(conn, args.path, host, args.scheme, token)
    conn.close()
    return 0 if resp.status == 200 else 2


if __name__ == "__main__":
    sys.exit(main())
