#!/usr/bin/env bash
# Regenerates every capture: captures/scenarios/*.pcap and captures/demo.pcap.
# Runs scripts/capture/record.sh once per scenario; stops at the first failure.
# The apache_* and squid_* scenarios need scripts/setup.sh --record.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
for name in $("$here/record.sh" --list); do
  timeout 120 "$here/record.sh" "$name"
done
