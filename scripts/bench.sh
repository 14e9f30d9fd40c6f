#!/usr/bin/env bash
# Throughput benchmark: authscope next to tshark (and tcpflow / httpry when they
# are installed) on the same synthetic capture made by `examples/gencap.rs`.
#
#   scripts/bench.sh                 # 1 GiB capture in bench-data/
#   SIZE=200M scripts/bench.sh       # quick run
#   SIZE=200M TOOLS="authscope" scripts/bench.sh
#
# Environment: SIZE (gencap --size, default 1G), SEED (default 1), DATA_DIR
# (default bench-data), TOOLS (default "authscope authscope-1t tshark tcpflow
# httpry"; authscope runs with --threads 2, authscope-1t with --threads 1; also
# "tcpdump"; tools that are not installed are skipped), GENCAP_ARGS (extra gencap options).
# The capture is reused when a previous run made it with the same size, seed,
# options and generator source. Each tool runs under GNU time (`/usr/bin/time
# -v`, Debian package `time`, installed here when missing; `scripts/setup.sh
# --bench` installs the other tools) and the script prints one markdown table:
# wall seconds, MB/s (file bytes / wall time), packets/s, CPU seconds, peak RSS
# and how much output each tool produced.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-1G}
SEED=${SEED:-1}
DATA_DIR=${DATA_DIR:-bench-data}
TOOLS=${TOOLS:-"authscope authscope-1t tshark tcpflow httpry"}
GENCAP_ARGS=${GENCAP_ARGS:-}

say() { printf 'bench: %s\n' "$*" >&2; }

ensure_gnu_time() {
  if [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; then return; fi
  say "installing GNU time (Debian package 'time')"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends time >/dev/null
}

machine() {
  local cpu mem
  cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)
  mem=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || echo unknown)
  printf 'machine: %s cores, %s, %s RAM, %s\n' "$(nproc)" "$cpu" "$mem" "$(uname -sr)"
}

# Makes (or reuses) the capture; prints its path.
capture() {
  local name file meta spec gen_hash
  name=$(printf '%s' "$SIZE" | tr '[:upper:]' '[:lower:]')
  file="$DATA_DIR/bench-$name.pcap"
  meta="$file.meta"
  gen_hash=$(cat examples/gencap.rs examples/gencap/*.rs | sha256sum | cut -c1-16)
  spec="size=$SIZE seed=$SEED args=[$GENCAP_ARGS] gencap=$gen_hash"
  mkdir -p "$DATA_DIR"
  if [ -s "$file" ] && [ -s "$meta" ] && [ "$(head -n1 "$meta")" = "spec=$spec" ]; then
    say "reusing $file ($spec)"
  else
    say "generating $file ($spec)"
    rm -f "$meta"
    # shellcheck disable=SC2086 # GENCAP_ARGS is a list of options
    ./target/release/examples/gencap --out "$file" --size "$SIZE" --seed "$SEED" $GENCAP_ARGS \
      >"$meta.tmp"
    { echo "spec=$spec"; cat "$meta.tmp"; } >"$meta"
    rm -f "$meta.tmp"
    say "gencap: $(grep -E '^(packets|elapsed_seconds|mb_per_s)=' "$meta" | tr '\n' ' ')"
  fi
  printf '%s\n' "$file"
}

packet_count() {
  local file=$1 n
  n=$(sed -n 's/^packets=//p' "$file.meta" 2>/dev/null | head -n1)
  if [ -z "$n" ] && command -v capinfos >/dev/null; then
    n=$(capinfos -c -M "$file" 2>/dev/null | awk -F': *' '/Number of packets/ {print $2}')
  fi
  printf '%s\n' "${n:-0}"
}

# The command line for one tool, or nothing when it is not installed. Each tool
# does its usual job on the whole file: authscope and tshark dissect HTTP,
# tcpflow reassembles every TCP stream into files under $work/tcpflow (deleted
# after the run), httpry logs one line per request and response, tcpdump (not in
# the default list) copies the packets to /dev/null as a floor.
tool_command() {
  local tool=$1 file=$2 work=$3
  case "$tool" in
    authscope) echo "./target/release/authscope report --threads 2 --format text $file" ;;
    authscope-1t) echo "./target/release/authscope report --threads 1 --format text $file" ;;
    tshark) command -v tshark >/dev/null &&
      echo "tshark -n -r $file -Y http -o tcp.reassemble_out_of_order:TRUE" ;;
    tcpflow) command -v tcpflow >/dev/null && echo "tcpflow -r $file -o $work/tcpflow" ;;
    httpry) command -v httpry >/dev/null && echo "httpry -q -r $file" ;;
    tcpdump) command -v tcpdump >/dev/null && echo "tcpdump -r $file -w /dev/null" ;;
    *) say "unknown tool '$tool'"; return 1 ;;
  esac
  return 0
}

# Converts GNU time's "h:mm:ss" or "m:ss.cc" to seconds.
to_seconds() {
  awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<<"$1"
}

# What a tool produced: lines on stdout, or files written for tcpflow.
output_size() {
  local tool=$1 out=$2 work=$3
  if [ "$tool" = tcpflow ]; then
    printf '%s files' "$(find "$work/tcpflow" -type f -name '*-*' 2>/dev/null | wc -l)"
  else
    printf '%s lines' "$(wc -l <"$out")"
  fi
}

run_tool() {
  local tool=$1 file=$2 bytes=$3 packets=$4 work=$5 cmd rc wall cpu rss out
  cmd=$(tool_command "$tool" "$file" "$work") || return 0
  if [ -z "$cmd" ]; then say "$tool is not installed: skipped"; return 0; fi
  out="$work/$tool.out"
  if [ "$tool" = tcpflow ]; then rm -rf "$work/tcpflow"; mkdir -p "$work/tcpflow"; fi
  say "running: $cmd"
  rc=0
  # shellcheck disable=SC2086 # cmd is a word list built above
  /usr/bin/time -v -o "$work/$tool.time" $cmd >"$out" 2>"$work/$tool.err" || rc=$?
  wall=$(to_seconds "$(sed -n 's/.*Elapsed (wall clock) time[^:]*: *//p' "$work/$tool.time")")
  cpu=$(awk -F': *' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$work/$tool.time")
  rss=$(awk -F': *' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$work/$tool.time")
  local produced note=""
  produced=$(output_size "$tool" "$out" "$work")
  [ "$rc" -eq 0 ] || note="exit $rc: $(head -c 120 "$work/$tool.err" | tr '\n|' '  ')"
  # A failed run has no throughput worth printing: its rates show as "-".
  awk -v t="$tool" -v w="$wall" -v c="$cpu" -v r="$rss" -v b="$bytes" -v p="$packets" \
    -v o="$produced" -v n="$note" -v ok="$((rc == 0))" 'BEGIN {
      d = (w > 0) ? w : 0.01
      mbs = ok ? sprintf("%.1f", b / 1e6 / d) : "-"
      pps = ok ? sprintf("%.0f", p / d) : "-"
      printf "| %s | %.2f | %s | %s | %.2f | %s | %s | %s |\n", t, w, mbs, pps, c, r, o, n
    }'
  rm -rf "$out" "$work/tcpflow"
}

main() {
  ensure_gnu_time
  say "building release binaries (authscope, gencap example)"
  cargo build --release --quiet --bin authscope --example gencap
  local file bytes packets
  file=$(capture)
  bytes=$(stat -c %s "$file")
  packets=$(packet_count "$file")
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  machine
  printf 'capture: %s, %s bytes, %s packets, authscope %s\n\n' "$file" "$bytes" "$packets" \
    "$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo '| tool | seconds | MB/s | packets/s | CPU s | peak RSS MiB | output | note |'
  echo '|---|--:|--:|--:|--:|--:|--:|---|'
  local tool
  for tool in $TOOLS; do
    run_tool "$tool" "$file" "$bytes" "$packets" "$WORK"
  done
}

main "$@"
