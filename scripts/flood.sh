#!/usr/bin/env bash
# Flood tests: captures that attack each resource bound (examples/floodgen.rs),
# each piped into `authscope report --format text -` under GNU time. Prints
# peak RSS, CPU seconds and throughput per attack; fails when a run exits
# with anything but 0/1 or its peak RSS is over the cap. See
# docs/PERFORMANCE.md (Floods) and docs/LIMITS.md.
#
#   scripts/flood.sh                 # every attack at full size
#   SCALE=0.01 scripts/flood.sh      # quick run (1% of each flood)
#   ATTACKS="syn header" scripts/flood.sh
#
# Environment: ATTACKS (default: syn body header ooo pipeline clients), SCALE
# (default 1), RSS_CAP_MB (default 256), AUTHSCOPE_ARGS (extra report flags).
# The captures stream through a pipe: nothing is written to disk.
set -uo pipefail
cd "$(dirname "$0")/.."

ATTACKS=${ATTACKS:-"syn body header ooo pipeline clients"}
SCALE=${SCALE:-1}
RSS_CAP_MB=${RSS_CAP_MB:-256}
AUTHSCOPE_ARGS=${AUTHSCOPE_ARGS:-}

say() { printf 'flood: %s\n' "$*" >&2; }

if ! { [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; }; then
  say "installing GNU time (Debian package 'time')"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi
cargo build --release --quiet --bin authscope --example floodgen || exit 2
bin=target/release/authscope
gen=target/release/examples/floodgen
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '%-9s %10s %12s %8s %8s %9s %9s %9s %5s\n' \
  attack packets bytes wall_s cpu_s MB/s_cpu pkts/s_cpu rss_MB exit
fail=0
for a in $ATTACKS; do
  # shellcheck disable=SC2086
  "$gen" "$a" --scale "$SCALE" --out - 2>"$tmp/gen" |
    /usr/bin/time -v -o "$tmp/time" "$bin" report --format text $AUTHSCOPE_ARGS - \
      >"$tmp/$a.out" 2>"$tmp/$a.err"
  codes=("${PIPESTATUS[@]}")
  rc=${codes[1]}
  packets=$(sed -n 's/.*packets=\([0-9]*\).*/\1/p' "$tmp/gen")
  bytes=$(sed -n 's/.*bytes=\([0-9]*\).*/\1/p' "$tmp/gen")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$tmp/time")
  user=$(awk -F': ' '/User time/ {print $2}' "$tmp/time")
  sys=$(awk -F': ' '/System time/ {print $2}' "$tmp/time")
  rss=$(awk -F': ' '/Maximum resident/ {printf "%.1f", $2/1024}' "$tmp/time")
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u+s}')
  mbs=$(awk -v b="${bytes:-0}" -v c="$cpu" 'BEGIN {printf "%.1f", (c > 0) ? b / 1048576 / c : 0}')
  pps=$(awk -v p="${packets:-0}" -v c="$cpu" 'BEGIN {printf "%.0f", (c > 0) ? p / c : 0}')
  printf '%-9s %10s %12s %8s %8s %9s %9s %9s %5s\n' \
    "$a" "${packets:-?}" "${bytes:-?}" "$wall" "$cpu" "$mbs" "$pps" "$rss" "$rc"
  # What the run counted: the limits that fired show here.
  grep -iE 'evicted|gaps|timed out|unanswered|too_large|too_many|buffer_cap|flow_evicted|dropped' \
    "$tmp/$a.out" | sed 's/^/    /' | head -12 >&2
  if [ "$rc" -gt 1 ]; then
    say "$a: authscope exited $rc"; sed 's/^/    /' "$tmp/$a.err" | tail -5 >&2; fail=1
  fi
  if awk -v r="$rss" -v c="$RSS_CAP_MB" 'BEGIN {exit !(r > c)}'; then
    say "$a: peak RSS ${rss} MB is over the ${RSS_CAP_MB} MB cap"; fail=1
  fi
done
exit $fail
