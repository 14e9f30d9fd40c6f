#!/usr/bin/env bash
# The whole test suite: installs what the tests need (scripts/setup.sh), then
# formatting, lints and every test. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test --profile ci --all-targets
