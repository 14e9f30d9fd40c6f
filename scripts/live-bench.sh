#!/usr/bin/env bash
# Live-capture benchmark on loopback (docs/PERFORMANCE.md, "Live capture").
#
# Replays a synthetic capture (examples/gencap.rs) on `lo` with tcpreplay while
# `authscope live -i lo --headless` captures it, and prints, per replay rate,
# what tcpreplay sent, what authscope captured, our own drops (queue full), the
# kernel/libpcap drops and authscope's CPU use while the traffic flowed.
#
# The capture's addresses are first rewritten into 127.0.0.0/8 with tcprewrite
# (clients 10/8 -> 127/8, servers 192.0.2.0/24 -> 127.200.2.0/24) and the result
# is checked to hold nothing else, so only loopback addresses are ever sent.
# The frames keep gencap's MAC addresses, which are not lo's, so the kernel
# drops them before IP: no socket sees them and no RST comes back.
#
# Needs root (capture and tcpreplay), tcpreplay (Debian: apt-get install
# tcpreplay), tcpdump, python3.
#
#   scripts/live-bench.sh                        # default rates
#   scripts/live-bench.sh topspeed 50000 5650    # chosen rates (pps or topspeed)
#   SIZE=20M LOOPS=1 scripts/live-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-50M}
DATA=${DATA:-bench-data}
LOOPS=${LOOPS:-1}
BIN=${BIN:-target/release/authscope}
# Extra `authscope live` options, e.g. LIVE_ARGS="--buffer-size 256 --snaplen 8192".
read -r -a LIVE_ARGS <<<"${LIVE_ARGS:-}"
# Extra tcpreplay options, e.g. REPLAY_ARGS="--preload-pcap".
read -r -a REPLAY_ARGS <<<"${REPLAY_ARGS:-}"
RATES=("$@")
[ ${#RATES[@]} -gt 0 ] || RATES=(topspeed 200000 100000 50000 20000 56500 5650)

for tool in tcpreplay tcprewrite tcpdump python3; do
    command -v "$tool" >/dev/null || { echo "live-bench: $tool not found" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "live-bench: run as root (capture and tcpreplay)" >&2; exit 2; }

mkdir -p "$DATA"
src="$DATA/live-$SIZE.pcap"
lo="$DATA/live-$SIZE-lo.pcap"
cargo build --release --bin authscope --example gencap
[ -s "$src" ] || cargo run --release --example gencap -- --out "$src" --size "$SIZE" --seed 1
if [ ! -s "$lo" ]; then
    tcprewrite --pnat=10.0.0.0/8:127.0.0.0/8,192.0.2.0/24:127.200.2.0/24 \
        --fixcsum -i "$src" -o "$lo.tmp"
    mv "$lo.tmp" "$lo"
fi
# Safety: refuse to send anything that is not 127/8 to 127/8.
foreign=$(tcpdump -nr "$lo" 'not (ip and src net 127.0.0.0/8 and dst net 127.0.0.0/8)' 2>/dev/null | wc -l)
[ "$foreign" = 0 ] || { echo "live-bench: $lo holds $foreign non-loopback packets" >&2; exit 2; }
total=$(tcpdump -nr "$lo" 2>/dev/null | wc -l)
echo "# authscope live -i lo --headless --format ndjson ${LIVE_ARGS[*]}"
echo "# tcpreplay -i lo --loop=$LOOPS ${REPLAY_ARGS[*]}"
echo "# capture: $lo, $total packets x $LOOPS loop(s); load: $(cut -d' ' -f1-3 /proc/loadavg)"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-9s %9s %9s %9s %9s %7s %7s %9s %8s %8s %6s\n' rate sent_pps sent captured exchanges ours kernel replay_s cpu_s cpu_pct lag_s
for rate in "${RATES[@]}"; do
    "$BIN" live -i lo --headless --format ndjson --duration 900 "${LIVE_ARGS[@]}" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    for _ in $(seq 100); do grep -q "capturing on" "$tmp/err" && break; sleep 0.1; done
    grep -q "capturing on" "$tmp/err" || { cat "$tmp/err" >&2; kill "$pid"; exit 2; }
    if [ "$rate" = topspeed ]; then speed=(--topspeed); else speed=(--pps="$rate"); fi
    c0=$(cpu_ticks "$pid")
    t0=$(date +%s.%N)
    timeout 600 tcpreplay -i lo "${speed[@]}" --loop="$LOOPS" "${REPLAY_ARGS[@]}" "$lo" >"$tmp/replay" 2>&1
    t1=$(date +%s.%N)
    # Let the analysis catch up: wait until the output stops growing.
    prev=-1
    for _ in $(seq 120); do
        cur=$(stat -c %s "$tmp/out")
        [ "$cur" = "$prev" ] && break
        prev=$cur
        sleep 0.5
    done
    t2=$(date +%s.%N)
    c1=$(cpu_ticks "$pid")
    kill -INT "$pid"
    code=0
    wait "$pid" || code=$?
    [ "$code" = 0 ] || { echo "live-bench: authscope exited $code:" >&2; cat "$tmp/err" >&2; }
    sent=$(sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p' "$tmp/replay" | head -1)
    pps=$(sed -n 's/.*Rated: [0-9.]* Bps, [0-9.]* Mbps, \([0-9.]*\) pps.*/\1/p' "$tmp/replay" | head -1)
    tail -1 "$tmp/out" | python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
src = s["sources"][0]
a = sys.argv
hz = float(a[9])
replay = float(a[4]) - float(a[3])
cpu = (float(a[6]) - float(a[5])) / hz
lag = max(0.0, float(a[7]) - float(a[4]) - 0.5)
ours = src["dropped"] - src.get("kernel_dropped", 0)
print("%-9s %9s %9s %9d %9d %7d %7d %9.2f %8.2f %7.0f%% %6.1f" % (a[1], a[8].split(".")[0] or "?", a[2],
      src["packets"], s["exchanges"], ours, src.get("kernel_dropped", 0), replay, cpu,
      100.0 * cpu / replay if replay > 0 else 0, lag))
'  "$rate" "${sent:-?}" "$t0" "$t1" "$c0" "$c1" "$t2" "${pps:-?}" "$(getconf CLK_TCK)"
done
