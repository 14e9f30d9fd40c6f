#!/usr/bin/env python3
"""Builds the fuzz seed corpora from the project's captures and ../shared/corpus.

Usage: fuzz/seeds.py OUT_DIR
Writes OUT_DIR/<target>/<name> for every fuzz target, in the input layout that
target's source file documents. Inputs are read with a small pcap/pcapng reader
(Ethernet, SLL, raw IP, loopback; IPv4/IPv6; TCP) good enough for seeds; files
it cannot read are skipped. Seeds are kept small so libFuzzer stays fast.
"""
import base64
import hashlib
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINK_SEL = {1: 0, 0: 1, 108: 2, 101: 3, 12: 3, 14: 3, 228: 4, 229: 5, 113: 6, 276: 7}
MAX_SEED = 64 << 10


def corpus_dirs():
    out = [os.path.join(ROOT, "captures")]
    for cand in (os.path.join(ROOT, "..", "shared", "corpus"), "/work/shared/corpus"):
        if os.path.isdir(cand):
            out.append(cand)
            break
    return out


def files(exts):
    for base in corpus_dirs():
        for dirpath, _, names in os.walk(base):
            for n in sorted(names):
                if n.rsplit(".", 1)[-1] in exts:
                    yield os.path.join(dirpath, n)


def read_pcap(buf):
    """Yields (linktype, frame) from classic pcap or pcapng bytes."""
    if len(buf) < 24:
        return
    magic = buf[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic[0] in (0xD4, 0x4D) else ">"
        link = struct.unpack(e + "I", buf[20:24])[0] & 0xFFFF
        off = 24
        while off + 16 <= len(buf):
            incl = struct.unpack(e + "I", buf[off + 8:off + 12])[0]
            yield link, buf[off + 16:off + 16 + incl]
            off += 16 + incl
    elif magic == b"\x0a\x0d\x0d\x0a":
        e = "<" if buf[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        links, off = [], 0
        while off + 12 <= len(buf):
            btype, blen = struct.unpack(e + "II", buf[off:off + 8])
            if blen < 12:
                return
            body = buf[off + 8:off + blen - 4]
            if btype == 1 and len(body) >= 2:
                links.append(struct.unpack(e + "H", body[:2])[0])
            elif btype == 6 and len(body) >= 20:
                iface, _, _, incl = struct.unpack(e + "IIII", body[:16])
                if iface < len(links):
                    yield links[iface], body[20:20 + incl]
            elif btype == 3 and len(body) >= 4 and links:
                yield links[0], body[4:]
            off += blen


def ip_of(link, f):
    """The IP packet inside a frame, or None."""
    if link == 1:
        p, t = 14, f[12:14]
        while t in (b"\x81\x00", b"\x88\xa8") and len(f) >= p + 4:
            t, p = f[p + 2:p + 4], p + 4
        return f[p:] if t in (b"\x08\x00", b"\x86\xdd") else None
    if link in (0, 108):
        return f[4:]
    if link == 113:
        return f[16:]
    if link == 276:
        return f[20:]
    if link in (12, 14, 101, 228, 229):
        return f
    return None


def tcp_of(ip):
    """(src, dst, sport, dport, seq, flags, payload) or None."""
    if not ip:
        return None
    if ip[0] >> 4 == 4 and len(ip) >= 20 and ip[9] == 6:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0] or len(ip)
        t, src, dst = ip[ihl:total], ip[12:16], ip[16:20]
    elif ip[0] >> 4 == 6 and len(ip) >= 40 and ip[6] == 6:
        t, src, dst = ip[40:40 + struct.unpack(">H", ip[4:6])[0]], ip[8:24], ip[24:40]
    else:
        return None
    if len(t) < 20:
        return None
    sport, dport, seq = struct.unpack(">HHI", t[:8])
    off = (t[12] >> 4) * 4
    return src, dst, sport, dport, seq, t[13], t[off:]


def flows(path):
    """Per-capture: list of (is_client_to_server, seq, flags, payload) of the first connection."""
    try:
        buf = open(path, "rb").read(8 << 20)
    except OSError:
        return None, []
    segs, first = [], None
    for link, f in read_pcap(buf):
        t = tcp_of(ip_of(link, f))
        if not t:
            continue
        src, dst, sport, dport, seq, flags, payload = t
        key = (src, sport, dst, dport)
        if first is None and (flags & 0x12) == 0x02:
            first = key
        if first is None:
            continue
        if key == first:
            segs.append((True, seq, flags, payload))
        elif key == (first[2], first[3], first[0], first[1]):
            segs.append((False, seq, flags, payload))
        if len(segs) > 400:
            break
    return buf, segs


class Out:
    def __init__(self, root):
        self.root = root

    def put(self, target, data):
        if not data or len(data) > MAX_SEED:
            return
        d = os.path.join(self.root, target)
        os.makedirs(d, exist_ok=True)
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(d, name), "wb") as fh:
            fh.write(data)


def decode_seed(buf):
    out, link = bytearray(), None
    for lt, f in read_pcap(buf):
        if link is None:
            link = lt
            out.append(LINK_SEL.get(lt, 8))
        if lt != link or len(out) + len(f) > 16 << 10:
            break
        out += struct.pack(">H", len(f)) + f
    return bytes(out)


def tcp_seed(segs):
    out = bytearray([0])
    isn = {}
    for c2s, seq, flags, payload in segs:
        base = isn.setdefault(c2s, seq)
        who = 0 if c2s else 8
        for i in range(0, max(len(payload), 1), 255):
            chunk = payload[i:i + 255]
            off = (seq - base + i) & 0xFFFF
            fl = flags if i + 255 >= len(payload) else flags & ~0x01
            out += bytes([fl, who]) + struct.pack(">I", off) + bytes([len(chunk), 1]) + chunk
        if len(out) > 32 << 10:
            break
    return bytes(out)


def http_seed(segs):
    out = bytearray([0])
    for c2s, _, _, payload in segs:
        for i in range(0, len(payload), 200):
            chunk = payload[i:i + 200]
            out += bytes([0 if c2s else 8, len(chunk)]) + chunk
        if len(out) > 32 << 10:
            break
    return bytes(out)


HDR = re.compile(rb"^([A-Za-z0-9-]+):[ \t]*(.*?)\r?$", re.M)


def auth_seeds(out, payload):
    for name, value in HDR.findall(payload):
        n = name.lower()
        if n in (b"www-authenticate", b"proxy-authenticate"):
            out.put("auth_headers", b"\x00" + value)
            out.put("auth_headers", b"\x01" + value.split(b" ", 1)[-1])
        elif n in (b"authorization", b"proxy-authorization"):
            out.put("auth_headers", b"\x02" + value)
            scheme, _, rest = value.partition(b" ")
            s = scheme.lower()
            sel = {b"basic": 3, b"bearer": 4, b"digest": 6, b"aws4-hmac-sha256": 9}.get(s)
            if sel:
                out.put("auth_headers", bytes([sel]) + rest)
            if s == b"bearer" and rest.count(b".") == 2:
                out.put("auth_headers", b"\x05" + rest)
            if s in (b"ntlm", b"negotiate"):
                try:
                    raw = base64.b64decode(rest.strip(), validate=False)
                except ValueError:
                    continue
                out.put("auth_headers", bytes([7 if s == b"ntlm" or raw[:4] == b"NTLM" else 8]) + raw)
        elif n == b"cookie":
            out.put("auth_headers", b"\x0a" + value)
        elif n == b"set-cookie":
            out.put("auth_headers", b"\x0b" + value)
        elif n == b"retry-after":
            out.put("auth_headers", b"\x0d" + value)
        elif n.startswith(b"ratelimit") or n.startswith(b"x-ratelimit"):
            out.put("auth_headers", b"\x0f" + name + b": " + value)
    heads = payload.split(b"\r\n\r\n")
    if len(heads) >= 2:
        out.put("auth_headers", b"\x0e" + heads[0].replace(b"\r", b"")[:4096] + b"\n\n"
                + heads[1].replace(b"\r", b"")[:4096])


def main():
    out = Out(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "fuzz", "seeds"))
    for path in files({"pcap", "pcapng", "cap"}):
        buf, segs = flows(path)
        if buf is None:
            continue
        if len(buf) <= MAX_SEED:
            out.put("pipeline", buf)
        out.put("decode_frame", decode_seed(buf))
        if segs:
            out.put("tcp", tcp_seed(segs))
            out.put("http_stream", http_seed(segs))
            for c2s, _, _, payload in segs:
                if payload:
                    auth_seeds(out, payload)
    for path in files({"har", "json"}):
        data = open(path, "rb").read(MAX_SEED + 1)
        if len(data) <= MAX_SEED:
            out.put("har", data)
            out.put("pipeline", data)
    for path in files({"txt"}):
        auth_seeds(out, open(path, "rb").read(MAX_SEED))
    jwt = b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTcwMDAwMDAwMH0.c2ln"
    out.put("auth_headers", b"\x05" + jwt)
    out.put("auth_headers", b"\x11/x?api_key=k123&access_token=abc")
    out.put("auth_headers", b"\x10" + b"20240301T000000Z")
    out.put("auth_headers", b"\x0c" + b"Wed, 21 Oct 2015 07:28:00 GMT")
    out.put("auth_headers", b"\x12" + b"HTTP Error 401.2 - Unauthorized")


if __name__ == "__main__":
    main()
