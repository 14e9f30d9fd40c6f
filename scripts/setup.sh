#!/usr/bin/env bash
# Installs what authscope needs to build and test on Debian/Ubuntu, only when it
# is missing: libpcap (to build), and for the test suite the real peers the tests
# drive: tcpdump, tshark (cross-checks), nginx, curl and openssl (capture
# scenarios, scripts/capture/), tmux (the dashboard end-to-end test).
# `--browser` adds what scripts/capture/har/record-har.sh needs to re-record the
# HAR fixtures: Debian's chromium, nginx-light and openssl (the HTTPS h2_*
# sessions), and Node.js with npm when `node`/`npm` are
# not on the PATH. Tests never need a browser (the fixtures are committed).
# `--bench` adds GNU time, tshark, tcpflow and httpry (the tools scripts/bench.sh
# compares with) and tcpreplay (flood.sh, live-bench.sh).
# `--record` adds the third-party servers and clients that only
# scripts/capture/record.sh needs to re-record the Apache and squid scenarios:
# apache2 (mod_auth_basic, mod_auth_digest), apache2-utils (htpasswd), squid
# (forward proxy with basic_ncsa_auth), wget, and python3-requests. Tests never
# start them (the fixtures are committed).
# Flags combine (`--test --browser`). Idempotent; uses sudo when not root.
set -euo pipefail
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
want=(libpcap-dev pkg-config)
for arg in "$@"; do
  case "$arg" in
    --test) want+=(tcpdump tshark nginx-light curl openssl tmux python3) ;;
    --browser)
      want+=(chromium tcpdump tshark python3 nginx-light openssl)
      command -v node >/dev/null || want+=(nodejs)
      command -v npm >/dev/null || want+=(npm)
      ;;
    --bench) want+=(time tcpreplay tshark tcpflow httpry) ;;
    --record) want+=(apache2 apache2-utils squid wget python3-requests tcpdump tshark curl openssl python3) ;;
    *) echo "setup: unknown option $arg (use --test, --browser, --bench, --record)" >&2; exit 2 ;;
  esac
done
for p in "${want[@]}"; do have_pkg "$p" || need+=("$p"); done
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
