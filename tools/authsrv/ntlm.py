"""NTLM over HTTP (MS-NLMP, RFC 4559 style headers), server side.

Builds a fixed CHALLENGE_MESSAGE (type 2) that follows the layout of the
MS-NLMP §4.2 examples (server challenge 0123456789abcdef, domain "Domain",
server "Server") and checks the NTLMv2 response of the AUTHENTICATE_MESSAGE
(type 3), MS-NLMP §3.3.2. MD4 is not available in OpenSSL 3 builds of
hashlib, so RFC 1320 MD4 is implemented here.
"""

import hashlib
import hmac
import struct

SERVER_CHALLENGE = bytes.fromhex("0123456789abcdef")
FLAGS = (0x00000001 | 0x00000004 | 0x00000200 | 0x00008000 | 0x00010000 |
         0x00080000 | 0x00800000 | 0x02000000 | 0x20000000 | 0x80000000)


def md4(data):
    """RFC 1320 MD4 digest."""
    def rol(x, n):
        return ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF
    msg = bytearray(data) + b"\x80"
    msg += b"\x00" * ((56 - len(msg) % 64) % 64)
    msg += struct.pack("<Q", (len(data) * 8) & 0xFFFFFFFFFFFFFFFF)
    a, b, c, d = 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476
    for off in range(0, len(msg), 64):
        x = struct.unpack("<16I", bytes(msg[off:off + 64]))
        aa, bb, cc, dd = a, b, c, d
        for i in range(16):
            k, s = i, (3, 7, 11, 19)[i % 4]
            f = (b & c) | (~b & d)
            a, b, c, d = d, rol((a + f + x[k]) & 0xFFFFFFFF, s), b, c
        for i in range(16):
            k, s = (i % 4) * 4 + i // 4, (3, 5, 9, 13)[i % 4]
            g = (b & c) | (b & d) | (c & d)
            a, b, c, d = d, rol((a + g + x[k] + 0x5A827999) & 0xFFFFFFFF, s), b, c
        for i in range(16):
            k = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)[i]
            s = (3, 9, 11, 15)[i % 4]
            hh = b ^ c ^ d
            a, b, c, d = d, rol((a + hh + x[k] + 0x6ED9EBA1) & 0xFFFFFFFF, s), b, c
        a, b, c, d = [(v + w) & 0xFFFFFFFF for v, w in
                      zip((a, b, c, d), (aa, bb, cc, dd))]
    return struct.pack("<4I", a, b, c, d)


def _av(av_id, text):
    value = text.encode("utf-16-le")
    return struct.pack("<HH", av_id, len(value)) + value


def challenge_message():
    """The type 2 message the server answers every type 1 with."""
    target = "Domain".encode("utf-16-le")
    info = _av(2, "Domain") + _av(1, "Server") + struct.pack("<HH", 0, 0)
    header_len = 56
    head = b"NTLMSSP\x00" + struct.pack("<I", 2)
    head += struct.pack("<HHI", len(target), len(target), header_len)
    head += struct.pack("<I", FLAGS) + SERVER_CHALLENGE + b"\x00" * 8
    head += struct.pack("<HHI", len(info), len(info), header_len + len(target))
    head += bytes([6, 0]) + struct.pack("<H", 6002) + b"\x00\x00\x00\x0f"
    return head + target + info


def message_type(raw):
    if len(raw) < 12 or raw[:8] != b"NTLMSSP\x00":
        return 0
    return struct.unpack("<I", raw[8:12])[0]


def _field(raw, at):
    if len(raw) < at + 8:
        return b""
    length, _, offset = struct.unpack("<HHI", raw[at:at + 8])
    return raw[offset:offset + length]


def parse_authenticate(raw):
    """(domain, user, nt_response) from a type 3 message."""
    def text(b):
        return b.decode("utf-16-le", "replace")
    return text(_field(raw, 28)), text(_field(raw, 36)), _field(raw, 20)


def verify_authenticate(raw, users):
    """Return the user name when the NTLMv2 response proves the password."""
    domain, user, nt = parse_authenticate(raw)
    password = users.get(user) or users.get(user.lower())
    if password is None or len(nt) <= 24:
        return None
    nt_hash = md4(password.encode("utf-16-le"))
    key = hmac.new(nt_hash, (user.upper() + domain).encode("utf-16-le"),
                   hashlib.md5).digest()
    proof = hmac.new(key, SERVER_CHALLENGE + nt[16:], hashlib.md5).digest()
    return user if hmac.compare_digest(proof, nt[:16]) else None
