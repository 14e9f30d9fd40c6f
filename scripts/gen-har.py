#!/usr/bin/env python3
"""Writes a large synthetic HAR 1.2 file for memory and speed measurements of the
HAR reader: browser-like entries (Basic and Bearer logins, 401 loops, cookies,
redirects, 429s, base64 and text bodies). Deterministic for a seed; made-up
credentials only. Usage: gen-har.py OUT SIZE_MB [SEED]"""
import base64, json, random, sys

def entry(rng, i, t):
    kind = rng.random()
    host = f"app{rng.randrange(20)}.test"
    status, req_h, res_h = 200, [["Host", host], ["User-Agent", "Mozilla/5.0 (X11) Gecko/20100101 Firefox/128.0"]], []
    if kind < 0.2:
        req_h.append(["Authorization", "Basic " + base64.b64encode(b"alice:wrong-pass").decode()])
        status, res_h = 401, [["WWW-Authenticate", 'Basic realm="ops"']]
    elif kind < 0.3:
        status, res_h = 429, [["Retry-After", "10"], ["RateLimit-Remaining", "0"]]
    elif kind < 0.4:
        status, res_h = 302, [["Location", "/login"], ["Set-Cookie", f"sid=s{rng.randrange(10**9)}; Path=/; HttpOnly"]]
    else:
        req_h.append(["Cookie", f"sid=s{rng.randrange(10**9)}"])
    body = "x" * rng.randrange(500, 6000)
    content = {"size": len(body), "mimeType": "text/html", "text": body}
    if rng.random() < 0.3:
        content = {"size": len(body), "mimeType": "application/octet-stream",
                   "text": base64.b64encode(body.encode()).decode(), "encoding": "base64"}
    secs = t / 1000.0
    return {
        "pageref": "page_1", "startedDateTime": "2024-05-01T10:%02d:%06.3fZ" % (int(secs // 60) % 60, secs % 60),
        "time": 12.5, "connection": str(1000 + i % 50), "serverIPAddress": "192.0.2.10",
        "request": {"method": "GET", "url": f"http://{host}/p/{i}?q={i % 7}", "httpVersion": "HTTP/1.1",
                    "headers": [{"name": n, "value": v} for n, v in req_h], "cookies": [], "queryString": [],
                    "headersSize": -1, "bodySize": 0},
        "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                     "headers": [{"name": n, "value": v} for n, v in res_h], "cookies": [],
                     "content": content, "redirectURL": "", "headersSize": -1, "bodySize": len(body)},
        "cache": {}, "timings": {"blocked": -1, "dns": -1, "connect": -1, "send": 0.1, "wait": 10.0, "receive": 2.4},
    }

def main():
    out, size_mb = sys.argv[1], float(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    limit = int(size_mb * 1024 * 1024)
    with open(out, "w") as f:
        f.write('{"log": {"version": "1.2", "creator": {"name": "gen-har", "version": "1"}, '
                '"pages": [{"id": "page_1", "startedDateTime": "2024-05-01T10:00:00.000Z", "title": "x", "pageTimings": {}}], '
                '"entries": [\n')
        written, i, t = 0, 0, 0
        while written < limit:
            t += rng.randrange(1, 40)
            s = ("" if i == 0 else ",\n") + json.dumps(entry(rng, i, t))
            f.write(s)
            written += len(s)
            i += 1
        f.write("\n]}}\n")
    print(f"entries={i} bytes={written}")

if __name__ == "__main__":
    main()
