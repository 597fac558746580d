#!/usr/bin/env bash
# Set up, then run every benchmark: each prints its figure beside a hand-written-SQL baseline
# measured in the same run on the same SQLite file, the ratio, and PASS/MISS against the targets.
#
#   scripts/bench.sh                      all of them (first run builds var/bench/clinic-100k.db, ~1 min)
#   scripts/bench.sh --only search        one (repeatable); --quick for fewer repetitions
#   scripts/bench.sh --rebuild            rebuild the cached benchmark clinic
#
# Extra arguments go to `python -m bench.run_all` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
exec .venv/bin/python -m bench.run_all "$@"
