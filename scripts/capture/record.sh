#!/usr/bin/env bash
# Records one capture scenario from real loopback traffic:
#   scripts/capture/record.sh NAME      -> captures/scenarios/NAME.pcap
#   scripts/capture/record.sh demo      -> captures/demo.pcap
#   scripts/capture/record.sh --list    scenario names
# Each scenario starts its server(s) on free ports (tools/authserver.py,
# nginx, or Apache httpd / squid from scripts/capture/apache|squid/), starts
# tcpdump on lo for those ports, runs bounded client commands (curl, wget,
# python3 requests), then stops tcpdump and the servers. Needs root (tcpdump
# on lo); the apache_* and squid_* scenarios need scripts/setup.sh --record.
# What each scenario must and must not show: captures/scenarios/README.md.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

H=intranet.test
A=app.test
U() { echo "http://$1:$2$3"; }                 # host port path
RES() { echo "--resolve $1:$2:127.0.0.1"; }     # host port

authserver_scenario() {  # [serve options]: one authserver, capture its port
  P=$(free_port)
  start_authserver "$P" "$@"
  start_capture "$OUT" "$P"
}

scn_basic_ok() {  # nginx: anonymous 401, then Basic accepted
  P=$(free_port); start_nginx "$P"; start_capture "$OUT" "$P"
  c $(RES $H $P) --anyauth -u alice:correct-horse "$(U $H $P /reports/)"
}

scn_basic_wrong_password_loop() {  # nginx: same wrong password replayed 8 times
  P=$(free_port); start_nginx "$P"; start_capture "$OUT" "$P"
  c $(RES $H $P) "$(U $H $P /reports/)"
  for _ in 1 2 3 4 5 6 7 8; do
    c $(RES $H $P) -u alice:wrong-pass "$(U $H $P /reports/)"; sleep 0.2
  done
}

scn_bearer_expired() {
  authserver_scenario
  local t; t=$(jwt --exp-in -600 --scope read)
  for _ in 1 2 3; do c $(RES $H $P) -H "Authorization: Bearer $t" "$(U $H $P /bearer/orders)"; done
}

scn_insufficient_scope() {
  authserver_scenario
  local t; t=$(jwt --exp-in 3600 --scope read)
  c $(RES $H $P) -H "Authorization: Bearer $t" "$(U $H $P /bearer/orders)"
  c $(RES $H $P) -H "Authorization: Bearer $t" -X DELETE "$(U $H $P /bearer/admin/users/7)"
}

scn_missing_challenge_401() {  # 401 without WWW-Authenticate, 407 without Proxy-Authenticate
  authserver_scenario
  c $(RES $H $P) "$(U $H $P /nochallenge/status)"
  c $(RES $H $P) "$(U $H $P /nochallenge/status)"
  c -x "http://127.0.0.1:$P" http://nochallenge.example.test/
}

scn_proxy_407() {  # the server acts as a forward proxy
  authserver_scenario
  c -x "http://127.0.0.1:$P" http://www.example.test/
  c -x "http://127.0.0.1:$P" --proxy-anyauth -U alice:correct-horse http://www.example.test/news
}

scn_rate_limit_burst_429() {  # 8 requests on one connection, Retry-After ignored
  authserver_scenario
  local url; url=$(U $H $P /limited/items)
  c $(RES $H $P) "$url" "$url" "$url" "$url" "$url" "$url" "$url" "$url"
}

login_loop() {  # VARIANT TRIES: submit the login form TRIES times, following redirects
  local v=$1 n=$2 i
  for ((i = 0; i < n; i++)); do
    c $(RES $A $P) -c "$WORK/jar" -b "$WORK/jar" -L --max-redirs 4 \
      -d user=alice -d password=correct-horse "$(U $A $P /$v/login)"
    sleep 0.2
  done
}

scn_login_redirect_loop_secure_cookie() {
  authserver_scenario
  c $(RES $A $P) -c "$WORK/jar" -b "$WORK/jar" -L --max-redirs 4 "$(U $A $P /secure/)"
  login_loop secure 4
}

scn_cookie_domain_mismatch() {  # Domain=login.other.test, then Path=/admin/
  authserver_scenario
  login_loop domain 3
  login_loop path 3
}

scn_cookie_maxage0() {
  authserver_scenario
  login_loop maxage0 3
}

scn_cookie_samesite_none() {  # curl has no SameSite rules: it does return the cookie
  authserver_scenario
  login_loop samesite 1
  c $(RES $A $P) -c "$WORK/jar" -b "$WORK/jar" "$(U $A $P /samesite/api/)"
}

scn_session_expired() {  # session lifetime 2 s; idle 3 s
  authserver_scenario
  login_loop short 1
  c $(RES $A $P) -c "$WORK/jar" -b "$WORK/jar" "$(U $A $P /short/api/)"
  sleep 3
  c $(RES $A $P) -c "$WORK/jar" -b "$WORK/jar" "$(U $A $P /short/api/)"
  c $(RES $A $P) -c "$WORK/jar" -b "$WORK/jar" "$(U $A $P /short/)"
}

scn_iis_401_1() {  # wrong Basic password; plain and gzip-encoded pages
  authserver_scenario
  c $(RES $H $P) -u alice:wrong-pass "$(U $H $P /iis/401.1)"
  c $(RES $H $P) -u alice:wrong-pass --compressed "$(U $H $P /iis/401.1/gz)"
}

scn_iis_401_2() {
  authserver_scenario
  c $(RES $H $P) -u alice:correct-horse "$(U $H $P /iis/401.2)"
}

scn_iis_401_503() {  # IP denied, gzip-encoded page
  authserver_scenario
  c $(RES $H $P) --compressed "$(U $H $P /iis/401.503/gz)"
}

scn_iis_401_more() {  # 401.3, 401.501, 401.502 (plain, one gzip)
  authserver_scenario
  c $(RES $H $P) -u alice:correct-horse "$(U $H $P /iis/401.3)"
  c $(RES $H $P) "$(U $H $P /iis/401.501)"
  c $(RES $H $P) --compressed "$(U $H $P /iis/401.502/gz)"
}

scn_header_too_large() {  # ~10 KB of cookies: 431, then nginx-style 400
  authserver_scenario
  local big; big=$(python3 -c "print('; '.join('tracker%02d=%s' % (i, 'q' * 190) for i in range(50)))")
  c $(RES $H $P) -H "Cookie: $big" "$(U $H $P /big/home)"
  c $(RES $H $P) -H "Cookie: $big" "$(U $H $P /big-nginx/home)"
}

scn_preflight_401() {
  authserver_scenario
  local i
  for i in 1 2; do
    c $(RES $H $P) -X OPTIONS -H "Origin: http://spa.test:3000" \
      -H "Access-Control-Request-Method: GET" \
      -H "Access-Control-Request-Headers: authorization" "$(U $H $P /cors/orders)"
  done
}

scn_credentials_dropped_on_redirect() {  # port A redirects to port B
  local a b; a=$(free_port); b=$(free_port)
  start_authserver "$b"
  start_authserver "$a" --redirect-port "$b"
  start_capture "$OUT" "$a" "$b"
  c -L --max-redirs 3 -u alice:correct-horse "http://127.0.0.1:$a/redirect/report"
}

scn_ntlm_ok() {  # anonymous 401, type 1 -> type 2, type 3 -> 200 on one connection
  authserver_scenario
  c $(RES $H $P) --anyauth -u alice:correct-horse "$(U $H $P /ntlm/intranet)"
}

scn_ntlm_connection_close() {  # server closes after the type 2 challenge
  authserver_scenario
  c $(RES $H $P) --ntlm -u alice:correct-horse "$(U $H $P /ntlm-close/intranet)"
  c $(RES $H $P) --ntlm -u alice:correct-horse "$(U $H $P /ntlm-close/intranet)"
}

scn_ntlm_split_connections() {  # type 3 sent on a new connection (no affinity)
  authserver_scenario
  ntlmc --port "$P" --path /ntlm/intranet --split
  ntlmc --port "$P" --path /ntlm/intranet --split
}

scn_ntlm_wrong_password() {  # complete handshakes, type 3 rejected
  authserver_scenario
  c $(RES $H $P) --ntlm -u alice:wrong-pass "$(U $H $P /ntlm/intranet)"
  c $(RES $H $P) --ntlm -u alice:wrong-pass "$(U $H $P /ntlm/intranet)"
}

scn_kerberos_fallback_ntlm() {  # Negotiate tokens that are raw NTLMSSP
  authserver_scenario
  ntlmc --port "$P" --path /negotiate/intranet --scheme Negotiate
}

scn_negotiate_no_kerberos() {  # Negotiate+NTLM offered; curl has no Kerberos ticket
  authserver_scenario
  c $(RES $H $P) --negotiate -u : "$(U $H $P /negotiate/intranet)"
  c $(RES $H $P) --anyauth -u alice:correct-horse "$(U $H $P /negotiate/intranet)"
  c $(RES $H $P) --ntlm -u alice:correct-horse "$(U $H $P /negotiate/intranet)"
}

scn_digest_ok_with_stale_nonce() {
  authserver_scenario
  c $(RES $H $P) --digest -u alice:correct-horse "$(U $H $P /digest/reports)"
  c $(RES $H $P) --digest -u alice:correct-horse "$(U $H $P /digest/slow/reports)"
}

scn_clock_skew_date() {  # server Date header 2 h 1 min behind
  authserver_scenario --date-offset -7260
  c $(RES $H $P) --anyauth -u alice:correct-horse "$(U $H $P /basic/reports)"
  c $(RES $H $P) "$(U $H $P /)"
}

scn_scheme_mismatch() {  # client sends Bearer, server offers Basic
  authserver_scenario
  local t; t=$(jwt --exp-in 3600 --scope read)
  for _ in 1 2 3; do c $(RES $H $P) -H "Authorization: Bearer $t" "$(U $H $P /basic/reports)"; done
}

scn_missing_credentials() {  # 401s that the client never answers
  authserver_scenario
  c $(RES $H $P) "$(U $H $P /basic/reports)"
  c $(RES $H $P) "$(U $H $P /bearer/orders)"
}

scn_failed_login_burst() {  # six different wrong passwords for alice in a few seconds
  authserver_scenario
  local pw
  for pw in wrong-pass Password1 correct-horse1 letmein Summer2026 alice123; do
    c $(RES $H $P) -u "alice:$pw" "$(U $H $P /basic/reports)"; sleep 0.3
  done
}

scn_forbidden_403_after_auth() {
  authserver_scenario
  c $(RES $H $P) --anyauth -u alice:correct-horse "$(U $H $P /basic/reports)"
  c $(RES $H $P) -u alice:correct-horse "$(U $H $P /basic/admin/users)"
  c $(RES $H $P) -u alice:correct-horse "$(U $H $P /basic/admin/users)"
}

scn_retry_after_ignored() {  # 503 Retry-After 30 s / HTTP-date, retried at once
  authserver_scenario
  local u1 u2; u1=$(U $H $P /busy/search); u2=$(U $H $P /busy-date/search)
  c $(RES $H $P) "$u1" "$u1" "$u1"
  sleep 0.5
  c $(RES $H $P) "$u2" "$u2"
}

scn_conflicting_auth_methods() {  # server offers 3 schemes, client alternates
  authserver_scenario
  local b n t
  b=$(printf 'alice:wrong-pass' | base64)
  n="TlRMTVNTUAABAAAABoIIAAAAAAAAAAAAAAAAAAAAAAA="
  t=$(jwt --exp-in 3600)
  c $(RES $H $P) "$(U $H $P /multi/portal)"
  c $(RES $H $P) -H "Authorization: Basic $b" "$(U $H $P /multi/portal)"
  c $(RES $H $P) -H "Authorization: NTLM $n" "$(U $H $P /multi/portal)"
  c $(RES $H $P) -H "Authorization: Basic $b" "$(U $H $P /multi/portal)"
  c $(RES $H $P) -H "Authorization: NTLM $n" "$(U $H $P /multi/portal)"
  c $(RES $H $P) -H "Authorization: Basic $b" -H "Authorization: Bearer $t" "$(U $H $P /multi/portal)"
}

scn_cleartext() {  # Basic, Bearer and an API key over plain http, all accepted
  authserver_scenario
  c $(RES $H $P) -u alice:correct-horse "$(U $H $P /basic/reports)"
  c $(RES $H $P) -H "Authorization: Bearer $(jwt --exp-in 3600)" "$(U $H $P /bearer/orders)"
  c $(RES $H $P) -H "X-API-Key: ak_test_5f2b9c0e1d" "$(U $H $P /apikey/orders)"
}

scn_healthy_browsing() {  # 200/304/301/302 and a successful form login only
  authserver_scenario
  local j="$WORK/jar"
  c $(RES $A $P) "$(U $A $P /)" "$(U $A $P /static/style.css)"
  c $(RES $A $P) -H 'If-None-Match: "style-v1"' "$(U $A $P /static/style.css)"
  c $(RES $A $P) -L "$(U $A $P /old)"
  c $(RES $A $P) -c "$j" -b "$j" -L "$(U $A $P /app/)"
  c $(RES $A $P) -c "$j" -b "$j" -L -d user=alice -d password=correct-horse "$(U $A $P /app/login)"
  c $(RES $A $P) -c "$j" -b "$j" "$(U $A $P /app/api/)" "$(U $A $P /app/)"
}

apache_scenario() {  # one Apache httpd, capture its port
  P=$(free_port); start_apache "$P"; start_capture "$OUT" "$P"
}

scn_apache_digest_ok() {  # mod_auth_digest: curl answers the challenge
  apache_scenario
  c $(RES $H $P) --digest -u alice:correct-horse "$(U $H $P /digest/)"
  c $(RES $H $P) --digest -u alice:correct-horse "$(U $H $P /digest/index.html)"
}

scn_apache_digest_wrong_password() {  # the same wrong password, 6 tries
  apache_scenario
  for _ in 1 2 3 4 5 6; do
    c $(RES $H $P) --digest -u alice:wrong-pass "$(U $H $P /digest/)"; sleep 0.2
  done
}

scn_apache_digest_requests() {  # python3 requests HTTPDigestAuth, one Session
  apache_scenario
  py "$(U 127.0.0.1 $P /digest/)" <<'PY'
import sys, requests
from requests.auth import HTTPDigestAuth
with requests.Session() as s:
    s.auth = HTTPDigestAuth("alice", "correct-horse")
    for path in ("", "index.html"):
        r = s.get(sys.argv[1] + path, headers={"Host": "intranet.test"}, timeout=10)
        print(r.status_code, r.request.method, r.url, file=sys.stderr)
PY
}

scn_apache_digest_stale() {  # requests reuses a nonce Apache expired after 2 s
  apache_scenario
  py "$(U 127.0.0.1 $P /digest-short/)" <<'PY'
import sys, time, requests
from requests.auth import HTTPDigestAuth
with requests.Session() as s:
    s.auth = HTTPDigestAuth("alice", "correct-horse")
    for pause in (0, 3):
        time.sleep(pause)
        r = s.get(sys.argv[1], headers={"Host": "intranet.test"}, timeout=10)
        print(r.status_code, r.request.method, r.url, file=sys.stderr)
PY
}

scn_apache_basic_wget() {  # wget's own challenge handling: wrong, then right
  apache_scenario
  w --user=alice --password=wrong-pass "$(U 127.0.0.1 $P /reports/)"
  sleep 0.3
  w --user=alice --password=correct-horse "$(U 127.0.0.1 $P /reports/)"
}

scn_apache_forbidden() {  # Require ip 10.0.0.1 and Require all denied: 403
  apache_scenario
  c $(RES $H $P) "$(U $H $P /admin/)"
  c $(RES $H $P) -u alice:correct-horse "$(U $H $P /admin/)"
  c $(RES $H $P) "$(U $H $P /closed/)"
}

squid_scenario() {  # AUTH: squid on P in front of nginx on O (intranet.test)
  P=$(free_port); O=$(free_port)
  start_nginx "$O"
  start_squid "$P" "${1:-basic}" "$H=127.0.0.1" "blocked.test=127.0.0.1"
  start_capture "$OUT" "$P" "$O"
}

scn_squid_proxy_auth() {  # no credentials, wrong password ×5, right password
  squid_scenario
  c -x "http://127.0.0.1:$P" "$(U $H $O /)"
  for _ in 1 2 3 4 5; do
    c -x "http://127.0.0.1:$P" -U alice:wrong-pass "$(U $H $O /)"; sleep 0.2
  done
  c -x "http://127.0.0.1:$P" --proxy-anyauth -U alice:correct-horse "$(U $H $O /)"
}

scn_squid_proxy_ntlm() {  # NTLM handshake with the proxy (type 1 sent at once, then after a 407)
  squid_scenario ntlm
  c -x "http://127.0.0.1:$P" --proxy-ntlm -U alice:correct-horse "$(U $H $O /)"
  c -x "http://127.0.0.1:$P" --proxy-anyauth -U alice:correct-horse "$(U $H $O /)"
}

scn_squid_proxy_digest() {  # Digest to the proxy: right password, then a wrong one 4 times
  squid_scenario digest
  c -x "http://127.0.0.1:$P" --proxy-digest -U alice:correct-horse "$(U $H $O /)"
  for _ in 1 2 3 4; do
    c -x "http://127.0.0.1:$P" --proxy-digest -U alice:wrong-pass "$(U $H $O /)"; sleep 0.2
  done
}

scn_squid_access_denied() {  # http_access deny: squid's own 403 page
  squid_scenario
  c -x "http://127.0.0.1:$P" "$(U blocked.test $O /)"
  c -x "http://127.0.0.1:$P" -U alice:correct-horse "$(U blocked.test $O /)"
}

scn_demo() {  # dashboard quick start: wrong-password loop, success, 429 burst
  authserver_scenario
  local i url
  c $(RES $H $P) "$(U $H $P /basic/reports)"
  for i in 1 2 3 4 5 6; do
    c $(RES $H $P) -u alice:wrong-pass "$(U $H $P /basic/reports)"; sleep 0.3
  done
  sleep 0.5
  c $(RES $H $P) -u alice:correct-horse "$(U $H $P /basic/reports)"
  sleep 0.5
  url=$(U $H $P /limited/items)
  for i in 1 2 3 4 5 6 7 8; do c $(RES $H $P) -u alice:correct-horse "$url"; sleep 0.1; done
}

list() { declare -F | sed -n 's/^declare -f scn_//p'; }

main() {
  [ $# -ge 1 ] || die "usage: $0 NAME | --list"
  if [ "$1" = "--list" ]; then list; return; fi
  local name=$1
  declare -F "scn_$name" >/dev/null || die "unknown scenario '$name' (see --list)"
  [ "$(id -u)" -eq 0 ] || die "tcpdump on lo needs root"
  WORK=$(mktemp -d /tmp/authscope-capture.XXXXXX)
  chmod 755 "$WORK"
  trap cleanup EXIT
  if [ "$name" = demo ]; then OUT="$ROOT/captures/demo.pcap"
  else OUT="$ROOT/captures/scenarios/$name.pcap"; fi
  mkdir -p "$(dirname "$OUT")"
  log "$name -> ${OUT#"$ROOT"/}"
  "scn_$name"
  stop_capture
  stop_servers
  tshark -r "$OUT" -Y http -T fields -e frame.number -e http.request.method \
    -e http.request.uri -e http.response.code 2>/dev/null | sed 's/^/record:   /' >&2
}

main "$@"
