# Helpers for scripts/capture/record.sh: free ports, the test servers (the
# project's tools/authserver.py, Debian's nginx, Apache httpd and squid; the
# last two from scripts/capture/apache/ and scripts/capture/squid/),
# tcpdump on loopback and bounded clients (curl, wget, python3 requests).
# Sourced, not run. Every wait here has a time limit.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
AUTHSERVER="$ROOT/tools/authserver.py"
PIDS=()

log() { printf 'record: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds.
wait_for() {
  local limit=$(( $1 * 10 )); shift
  local i
  for ((i = 0; i < limit; i++)); do "$@" && return 0; sleep 0.1; done
  return 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_authserver PORT [serve options...]
start_authserver() {
  local port=$1; shift
  python3 "$AUTHSERVER" serve --port "$port" --quiet "$@" \
    --ready-file "$WORK/ready.$port" 2>"$WORK/authserver.$port.log" &
  PIDS+=($!)
  wait_for 10 test -s "$WORK/ready.$port" || die "authserver on $port did not start"
}

# nginx_preamble DIR: the start of an nginx.conf whose pid, logs and temp
# files live under DIR, up to the open http block.
nginx_preamble() {
  local d=$1
  cat <<NGINX
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 64; }
http {
  access_log $d/access.log;
  client_body_temp_path $d/tmp; proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp;
  uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
  default_type text/plain;
NGINX
}

# start_nginx PORT: Basic auth (realm "ops") on /reports/, public /.
start_nginx() {
  local port=$1 d="$WORK/nginx"
  mkdir -p "$d/www/reports" "$d/tmp"
  echo "public page" >"$d/www/index.html"
  echo "quarterly reports" >"$d/www/reports/index.html"
  printf 'alice:%s\n' "$(openssl passwd -apr1 correct-horse)" >"$d/htpasswd"
  cat >"$d/nginx.conf" <<NGINX
$(nginx_preamble "$d")
  server {
    listen 127.0.0.1:$port;
    server_name intranet.test;
    root $d/www;
    location /reports/ {
      auth_basic "ops";
      auth_basic_user_file $d/htpasswd;
    }
  }
}
NGINX
  nginx -e stderr -p "$d" -c "$d/nginx.conf" -g 'daemon off; master_process off;' \
    2>"$d/stderr.log" &
  PIDS+=($!)
  wait_for 10 port_open "$port" || die "nginx on $port did not start: $(cat "$d/stderr.log")"
}

# start_nginx_tls PORT BACKEND_A BACKEND_B: HTTPS with HTTP/2 on PORT for
# intranet.test, app.test and api.test, with a self-signed certificate made
# here by openssl (the browser is told to ignore certificate errors).
# /reports/ is nginx's own Basic auth (realm "ops"); /secure/ is balanced
# round robin over two tools/authserver.py instances that do not share their
# session store; everything else goes to BACKEND_A.
start_nginx_tls() {
  local port=$1 a=$2 b=$3 d="$WORK/nginx-tls"
  mkdir -p "$d/www/reports" "$d/tmp"
  echo "quarterly reports" >"$d/www/reports/index.html"
  printf 'alice:%s\n' "$(openssl passwd -apr1 correct-horse)" >"$d/htpasswd"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=intranet.test" \
    -addext "subjectAltName=DNS:intranet.test,DNS:app.test,DNS:api.test" \
    -keyout "$d/key.pem" -out "$d/cert.pem" 2>"$d/openssl.log" \
    || die "openssl req failed: $(cat "$d/openssl.log")"
  cat >"$d/nginx.conf" <<NGINX
$(nginx_preamble "$d")
  upstream unshared_sessions { server 127.0.0.1:$a; server 127.0.0.1:$b; }
  server {
    listen 127.0.0.1:$port ssl http2;
    server_name intranet.test app.test api.test;
    ssl_certificate $d/cert.pem;
    ssl_certificate_key $d/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $d/www;
    proxy_http_version 1.1;
    proxy_set_header Host \$http_host;
    proxy_set_header Connection "";
    location /reports/ {
      auth_basic "ops";
      auth_basic_user_file $d/htpasswd;
    }
    location /secure/ { proxy_pass http://unshared_sessions; }
    location / { proxy_pass http://127.0.0.1:$a; }
  }
}
NGINX
  nginx -e stderr -p "$d" -c "$d/nginx.conf" -g 'daemon off; master_process off;' \
    2>"$d/stderr.log" &
  PIDS+=($!)
  wait_for 10 port_open "$port" || die "nginx on $port did not start: $(cat "$d/stderr.log")"
}

# render TEMPLATE OUT PORT DIR USER: a config file from the repo with its
# @PORT@, @DIR@ and @USER@ placeholders filled in.
render() {
  sed -e "s|@PORT@|$3|g" -e "s|@DIR@|$4|g" -e "s|@USER@|$5|g" "$1" >"$2"
}

# start_apache PORT: scripts/capture/apache/httpd.conf (Basic on /reports/,
# Digest on /digest/ and, with 2 s nonces, /digest-short/; IP-restricted
# /admin/, denied /closed/).
start_apache() {
  local port=$1 d="$WORK/apache"
  command -v apache2 >/dev/null || die "apache2 missing (scripts/setup.sh --record)"
  mkdir -p "$d/www/reports" "$d/www/digest" "$d/www/digest-short" "$d/www/admin" "$d/www/closed"
  echo "public page" >"$d/www/index.html"
  echo "quarterly reports" >"$d/www/reports/index.html"
  echo "digest area" >"$d/www/digest/index.html"
  echo "digest area, short nonces" >"$d/www/digest-short/index.html"
  echo "admin console" >"$d/www/admin/index.html"
  echo "closed" >"$d/www/closed/index.html"
  htpasswd -cbm "$d/htpasswd" alice correct-horse 2>/dev/null
  # htdigest only reads the password from a terminal; its line is
  # user:realm:MD5(user:realm:password).
  printf 'alice:intranet:%s\n' \
    "$(printf 'alice:intranet:correct-horse' | md5sum | cut -d' ' -f1)" >"$d/htdigest"
  render "$ROOT/scripts/capture/apache/httpd.conf" "$d/httpd.conf" "$port" "$d" www-data
  apache2 -f "$d/httpd.conf" -DFOREGROUND 2>"$d/stderr.log" &
  PIDS+=($!)
  wait_for 10 port_open "$port" || die "apache on $port did not start: $(cat "$d/stderr.log")"
}

# start_squid PORT AUTH [NAME=ORIGIN_IP...]: scripts/capture/squid/squid.conf
# with squid/auth-AUTH.conf (basic: Basic "corp-proxy"; ntlm: NTLM then
# Basic; digest: Digest with 2 s nonces), blocked.test denied; names resolve
# through a hosts file.
start_squid() {
  local port=$1 auth=$2 d="$WORK/squid" h; shift 2
  command -v squid >/dev/null || die "squid missing (scripts/setup.sh --record)"
  mkdir -p "$d"
  htpasswd -cbm "$d/passwd" alice correct-horse 2>/dev/null
  printf 'alice:corp-proxy:%s\n' \
    "$(printf 'alice:corp-proxy:correct-horse' | md5sum | cut -d' ' -f1)" >"$d/digest"
  : >"$d/hosts"
  for h in "$@"; do echo "${h#*=} ${h%%=*}" >>"$d/hosts"; done
  render "$ROOT/scripts/capture/squid/squid.conf" "$d/squid.conf" "$port" "$d" proxy
  render "$ROOT/scripts/capture/squid/auth-$auth.conf" "$d/auth.conf" "$port" "$d" proxy
  chown -R proxy "$d"
  squid -N -f "$d/squid.conf" 2>"$d/stderr.log" &
  PIDS+=($!)
  wait_for 20 port_open "$port" || die "squid on $port did not start: $(cat "$d/stderr.log" "$d/cache.log")"
}

# start_capture FILE PORT...: tcpdump on lo for those TCP ports; returns once
# tcpdump reports it is listening. --immediate-mode: without it libpcap
# (TPACKET_V3) hands packets over in blocks and a quick stop loses them.
start_capture() {
  local file=$1; shift
  local filter="" p
  for p in "$@"; do filter="${filter:+$filter or }tcp port $p"; done
  rm -f "$file"
  tcpdump -i lo -U --immediate-mode -n -Z root -w "$file" "$filter" 2>"$WORK/tcpdump.err" &
  CAPTURE_PID=$!
  wait_for 10 grep -qs "listening on" "$WORK/tcpdump.err" \
    || die "tcpdump did not start: $(cat "$WORK/tcpdump.err")"
}

# stop_capture: give the last FIN/ACKs a moment, then stop tcpdump cleanly.
stop_capture() {
  [ -n "${CAPTURE_PID:-}" ] || return 0
  sleep 0.5
  kill -INT "$CAPTURE_PID" 2>/dev/null || true
  wait "$CAPTURE_PID" 2>/dev/null || true
  CAPTURE_PID=""
  grep -E "packets (captured|dropped)" "$WORK/tcpdump.err" | sed 's/^/record:   /' >&2 || true
}

stop_servers() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}

cleanup() {
  stop_capture
  stop_servers
  [ -n "${WORK:-}" ] && rm -rf "$WORK"
}

# c ARGS...: one bounded curl call; prints "<status> <method> <url>" per transfer.
c() {
  curl -sS --max-time 10 --connect-timeout 5 -o /dev/null \
    -w '%{stderr}%{http_code} %{method} %{url_effective}\n' "$@" >/dev/null || true
}

# w ARGS...: one bounded wget call (its own challenge handling), output discarded.
w() { wget -q --timeout=10 --tries=1 -O /dev/null "$@" || true; }

# py SCRIPT ARGS...: a bounded python3 client.
py() { timeout 20 python3 - "$@" || true; }

jwt() { python3 "$AUTHSERVER" mint-jwt "$@"; }

# ntlmc ARGS...: the project's NTLM client (tools/ntlmclient.py), bounded.
ntlmc() { timeout 20 python3 "$ROOT/tools/ntlmclient.py" "$@" || true; }
