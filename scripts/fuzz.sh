#!/usr/bin/env bash
# Builds and runs every cargo-fuzz target for a given time, one after the
# other, and reports crashes. See docs/FUZZING.md.
#
#   scripts/fuzz.sh              # 60 s per target
#   scripts/fuzz.sh 600          # 10 min per target (the acceptance run)
#   TARGETS="tcp http_stream" scripts/fuzz.sh 30
#
# Environment: TARGETS (default: every target in fuzz/Cargo.toml), JOBS
# (libFuzzer -jobs/-workers when above 1, default 1), RSS_MB (libFuzzer -rss_limit_mb,
# default 2048), SEEDS (seed directory, default fuzz/seeds, rebuilt by
# fuzz/seeds.py when missing). The committed corpus fuzz/corpus/<target> is
# read and grown; new crashes land in fuzz/artifacts/<target>/. Exits 1 when
# any target found a crash, leak, timeout or out-of-memory input.
#
# The machine has one stable toolchain; cargo-fuzz needs nightly flags
# (-Zsanitizer), which RUSTC_BOOTSTRAP=1 unlocks on stable.
set -uo pipefail
cd "$(dirname "$0")/.."

SECS=${1:-60}
JOBS=${JOBS:-1}
RSS_MB=${RSS_MB:-2048}
SEEDS=${SEEDS:-fuzz/seeds}
PACK=${PACK:-0}
export RUSTC_BOOTSTRAP=1

say() { printf 'fuzz: %s\n' "$*" >&2; }

if ! cargo fuzz --version >/dev/null 2>&1; then
  say "installing cargo-fuzz"
  cargo install --locked cargo-fuzz || { say "cannot install cargo-fuzz"; exit 2; }
fi
if [ ! -d "$SEEDS" ]; then
  say "building seeds in $SEEDS"
  python3 fuzz/seeds.py "$SEEDS"
fi

all_targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^authscope-fuzz$')
TARGETS=${TARGETS:-$all_targets}

# Largest input per target: whole captures and HAR files need more room than
# one header value.
max_len() {
  case "$1" in
    pipeline|har) echo 65536 ;;
    decode_frame|tcp|http_stream) echo 32768 ;;
    *) echo 8192 ;;
  esac
}

say "building targets (release, debug assertions, address sanitizer)"
cargo fuzz build -O --debug-assertions || { say "build failed"; exit 2; }

failed=()
for t in $TARGETS; do
  if [ ! -d "fuzz/corpus/$t" ] && [ -f "fuzz/corpus/$t.tar.gz" ]; then
    tar -xzf "fuzz/corpus/$t.tar.gz" -C fuzz/corpus
  fi
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  seeds=()
  [ -d "$SEEDS/$t" ] && seeds=("$SEEDS/$t")
  before=$(find "fuzz/artifacts/$t" -type f | wc -l)
  say "running $t for ${SECS}s"
  start=$(date +%s)
  # -jobs=1 would send libFuzzer's output to ./fuzz-0.log; one job runs in
  # the foreground instead.
  par=()
  [ "$JOBS" -gt 1 ] && par=(-jobs="$JOBS" -workers="$JOBS")
  cargo fuzz run -O --debug-assertions "$t" "fuzz/corpus/$t" "${seeds[@]}" -- \
    -max_total_time="$SECS" "${par[@]}" -rss_limit_mb="$RSS_MB" \
    -malloc_limit_mb="$RSS_MB" -timeout=10 -max_len="$(max_len "$t")" \
    -print_final_stats=1 >"fuzz/artifacts/$t/last-run.log" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  after=$(find "fuzz/artifacts/$t" -type f ! -name '*.log' ! -name 'fuzz-*.log' | wc -l)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "fuzz/artifacts/$t/last-run.log" | awk '{s+=$2} END {print s+0}')
  cov=$(grep -o 'cov: [0-9]*' "fuzz/artifacts/$t/last-run.log" | tail -1 | awk '{print $2}')
  printf '%-14s %5ss  rc=%s  execs=%s  cov=%s  corpus=%s  artifacts=%s\n' \
    "$t" "$took" "$rc" "$execs" "${cov:-?}" "$(ls "fuzz/corpus/$t" | wc -l)" "$after"
  if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
    failed+=("$t")
    grep -E 'ERROR|panicked|SUMMARY|Test unit written' "fuzz/artifacts/$t/last-run.log" | head -5 >&2
  fi
done

# Minimised corpora, packed: what the repository keeps.
if [ "$PACK" = 1 ]; then
  for t in $TARGETS; do
    tmp=$(mktemp -d)
    mkdir -p "$tmp/$t"
    "fuzz/target/x86_64-unknown-linux-gnu/release/$t" -merge=1 -rss_limit_mb="$RSS_MB" \
      -max_len="$(max_len "$t")" "$tmp/$t" "fuzz/corpus/$t" >"fuzz/artifacts/$t/merge.log" 2>&1 \
      && tar -czf "fuzz/corpus/$t.tar.gz" -C "$tmp" "$t" \
      && say "packed $t: $(ls "$tmp/$t" | wc -l) inputs, $(du -h "fuzz/corpus/$t.tar.gz" | cut -f1)"
    rm -rf "$tmp"
  done
fi

if [ ${#failed[@]} -gt 0 ]; then
  say "crashes in: ${failed[*]} (inputs in fuzz/artifacts/<target>/, logs in last-run.log)"
  exit 1
fi
say "no crash"
