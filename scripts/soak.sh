#!/usr/bin/env bash
# Sync soak: the seeded fault scenarios of tests/e2e/test_sync_scenarios.py, many times over.
#
#   scripts/soak.sh                   1,000 scenarios on SQLite and 1,000 on PostgreSQL
#   SCENARIOS=5000 scripts/soak.sh    more
#   SEED=20000 scripts/soak.sh        another range of seeds (the same seed replays the same scenario)
#   DATABASES=sqlite scripts/soak.sh  one database only (sqlite or postgres)
#
# Each scenario: two desks and a kiosk (clocks skewed up to ±2 h) work offline and sync through
# lost responses, duplicated and reordered requests and lost pages; then every invariant is
# checked (exactly once, replicas equal the server, cursors monotonic, no foreign rows, no double
# booking). Prints the scenarios run and the violations found; exits non-zero on any violation.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
export SYNC_SCENARIOS=${SCENARIOS:-1000}
export SYNC_SCENARIO_SEED=${SEED:-1000}
selection=()
for database in ${DATABASES:-sqlite postgres}; do selection+=("-k" "$database"); done
if [ "${#selection[@]}" -gt 2 ]; then selection=(); fi
exec .venv/bin/pytest -p no:cacheprovider -q -s --timeout=0 tests/e2e/test_sync_scenarios.py "${selection[@]}"
