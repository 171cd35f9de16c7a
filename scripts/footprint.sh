#!/usr/bin/env bash
# Footprint of the release binary: size, startup to first getUpdates, idle RSS,
# RSS during a 100,000-subscriber fan-out against the fake Bot API, and the
# process's CPU per 1,000 messages at 30/s (≈ 5 min after the release build).
# Extra arguments go to the benchmark, e.g.
#   scripts/footprint.sh --subscribers 20000 --starts 3
#   scripts/footprint.sh --cpu 3          # only the CPU runs, three of each
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --locked --bench footprint -- "$@"
