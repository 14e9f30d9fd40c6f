#!/usr/bin/env bash
# Records the browser HAR fixtures (the plain-http ones with a pcap of the same session):
#   scripts/capture/har/record-har.sh NAME   -> captures/har/NAME.har,
#                                               NAME.sanitized.har, NAME.pcap
#   scripts/capture/har/record-har.sh h2_NAME -> captures/har/h2_NAME.har and
#                                               .sanitized.har (HTTPS + HTTP/2
#                                               through nginx, no pcap)
#   scripts/capture/har/record-har.sh all    every scenario
#   scripts/capture/har/record-har.sh --list scenario names
# Per scenario: tools/authserver.py on a free 127.0.0.1 port, tcpdump on lo for
# that port, then Debian's headless Chromium driven by playwright-core
# (record.mjs) records its own HAR; the sanitized copy is made by record.mjs
# imitating Chrome's "Export HAR (sanitized)". Needs root (tcpdump on lo),
# /usr/bin/chromium (scripts/setup.sh --browser) and `npm ci` in this folder
# (done here when node_modules is missing). What each file shows:
# captures/har/README.md.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib.sh"
OUT_DIR="$ROOT/captures/har"

list() { (cd "$HERE" && node record.mjs --list); }

# h2_* scenarios: HTTPS over HTTP/2 through nginx in front of two authservers
# (start_nginx_tls); no pcap (TLS on the wire shows nothing to compare).
record_tls() {  # NAME
  local name=$1 port a b
  port=$(free_port); a=$(free_port); b=$(free_port)
  log "$name -> ${OUT_DIR#"$ROOT"/}/$name.{har,sanitized.har} (https port $port)"
  start_authserver "$a"
  start_authserver "$b"
  start_nginx_tls "$port" "$a" "$b"
  (cd "$HERE" && timeout 150 node record.mjs "$name" "$port" "$OUT_DIR")
  stop_servers
}

record_one() {  # NAME
  local name=$1 port
  case $name in h2_*) record_tls "$name"; return ;; esac
  port=$(free_port)
  log "$name -> ${OUT_DIR#"$ROOT"/}/$name.{har,sanitized.har,pcap} (port $port)"
  start_authserver "$port"
  start_capture "$OUT_DIR/$name.pcap" "$port"
  (cd "$HERE" && timeout 150 node record.mjs "$name" "$port" "$OUT_DIR")
  stop_capture
  stop_servers
  tshark -r "$OUT_DIR/$name.pcap" -Y http -T fields -e http.request.method \
    -e http.request.uri -e http.response.code 2>/dev/null | sed 's/^/record:   pcap /' >&2 || true
}

main() {
  [ $# -ge 1 ] || die "usage: $0 NAME | all | --list"
  if [ "$1" = "--list" ]; then list; return; fi
  [ "$(id -u)" -eq 0 ] || die "tcpdump on lo needs root"
  [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || die "no Chromium: run scripts/setup.sh --browser"
  if [ ! -d "$HERE/node_modules/playwright-core" ]; then
    (cd "$HERE" && npm ci --no-audit --no-fund) >&2 || die "npm ci failed"
  fi
  local names
  if [ "$1" = all ]; then names=$(list); else names=$1; fi
  for n in $names; do
    list | grep -qx "$n" || die "unknown scenario '$n' (see --list)"
  done
  mkdir -p "$OUT_DIR"
  WORK=$(mktemp -d /tmp/authscope-har.XXXXXX)
  chmod 755 "$WORK"
  trap cleanup EXIT
  for n in $names; do record_one "$n"; done
}

main "$@"
