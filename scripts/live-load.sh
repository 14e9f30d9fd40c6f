#!/usr/bin/env bash
# Live capture under real HTTP load on loopback (docs/PERFORMANCE.md, "CPU at
# 10,000 requests/s").
#
# Starts nginx (Debian's nginx-light) on 127.0.0.1:PORT answering `/` with a
# small 200 and `/private` with a Basic challenge, starts `authscope live -i lo
# -f 'tcp port PORT' --headless`, then drives ApacheBench (`ab`, Debian package
# apache2-utils) with keep-alive and a Basic Authorization header on every
# request; or, with RATE set, tools/pacedclient.py at that fixed request rate
# (one request at a time per connection, Basic credentials). Prints the
# request rate reached, what authscope captured and
# dropped, libpcap's drops, and authscope's CPU use over the load (utime+stime
# from /proc/PID/stat before and after, in % of one core).
#
# Needs root (capture), nginx, ab, python3.
#
#   scripts/live-load.sh                   # ab: 200,000 requests, 4 connections
#   REQUESTS=50000 CONC=2 scripts/live-load.sh
#   RATE=10000 DURATION=20 scripts/live-load.sh   # paced: 10,000 requests/s for 20 s
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-18480}
REQUESTS=${REQUESTS:-200000}
CONC=${CONC:-4}
RATE=${RATE:-}
DURATION=${DURATION:-20}
BIN=${BIN:-target/release/authscope}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
say() { printf 'live-load: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (capture on lo)"
command -v nginx >/dev/null || die "nginx missing: scripts/setup.sh --test installs nginx-light"
command -v ab >/dev/null || die "ab missing: apt-get install apache2-utils"
[ -x "$BIN" ] || cargo build --release --bin authscope

d="$WORK/nginx"
mkdir -p "$d/tmp"
cat >"$d/nginx.conf" <<NGINX
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $d/tmp; proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp;
  uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$PORT;
    location / { default_type text/plain; return 200 "ok\n"; }
    location /private {
      add_header WWW-Authenticate 'Basic realm="load"' always;
      return 401;
    }
  }
}
NGINX
nginx -e stderr -p "$d" -c "$d/nginx.conf" -g 'daemon off; master_process off;' 2>"$d/stderr.log" &
PIDS+=($!)
for _ in $(seq 50); do
  python3 - "$PORT" <<'PY' 2>/dev/null && break
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
PY
  sleep 0.1
done

"$BIN" live -i lo -f "tcp port $PORT" --headless --format text --duration 600 \
  >"$WORK/live.out" 2>"$WORK/live.err" &
LIVE=$!
PIDS+=("$LIVE")
for _ in $(seq 50); do grep -qs "capturing\|listening\|filter" "$WORK/live.err" "$WORK/live.out" && break; sleep 0.1; done
sleep 1

ticks() { awk '{ print $14 + $15 }' "/proc/$LIVE/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks); s0=$(date +%s.%N)
if [ -n "$RATE" ]; then
  python3 tools/pacedclient.py "$PORT" "$RATE" "$DURATION" 32 >"$WORK/load.out" 2>&1 \
    || die "paced client failed: $(tail -3 "$WORK/load.out")"
else
  ab -q -k -c "$CONC" -n "$REQUESTS" -A user00001:not-the-password \
    "http://127.0.0.1:$PORT/" >"$WORK/load.out" 2>&1 || die "ab failed: $(tail -3 "$WORK/load.out")"
fi
t1=$(ticks); s1=$(date +%s.%N)
sleep 2
kill -INT "$LIVE"
wait "$LIVE" 2>/dev/null || true

if [ -n "$RATE" ]; then
  rps=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' "$WORK/load.out")
  REQUESTS=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' "$WORK/load.out")
  failed="late slots $(sed -n 's/.*late_slots=\([0-9]*\).*/\1/p' "$WORK/load.out")"
  CONC=32
else
  rps=$(awk '/Requests per second/ { print $4 }' "$WORK/load.out")
  failed=$(awk '/Failed requests/ { print $3 }' "$WORK/load.out")
fi
cpu=$(awk -v a="$t0" -v b="$t1" -v h="$hz" -v s="$s0" -v e="$s1" \
  'BEGIN { printf "%.1f", (b - a) / h / (e - s) * 100 }')
summary=$(grep -E "packets|exchanges|dropped" "$WORK/live.out" | tr -s ' ' | tr '\n' ';' | head -c 400)
echo "| requests | connections | req/s reached | failed | authscope cpu % of one core | authscope summary |"
echo "|--:|--:|--:|--:|--:|---|"
echo "| $REQUESTS | $CONC | $rps | $failed | $cpu | $summary |"
