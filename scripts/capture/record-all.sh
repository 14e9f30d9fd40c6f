#!/usr/bin/env bash
# Regenerates every capture: captures/scenarios/*.pcap and captures/demo.pcap.
# Runs scripts/capture/record.sh once per scenario; stops at the first failure.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
for name in $("$here/record.sh" --list); do
  timeout 120 "$here/record.sh" "$name"
done
