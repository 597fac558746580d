#!/usr/bin/env bash
# Set up and run every check: ruff (lint and format), mypy, and pytest on SQLite and PostgreSQL.
#
#   scripts/test.sh                 everything
#   scripts/test.sh -k demo -x      extra arguments go to pytest
#
# PostgreSQL: TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test). If it is down
# and this runs as root on a Debian-style install, it is started. If it stays unreachable, its
# tests are skipped with the reason, except with CI=true, where that is a failure.
# Every step runs even when an earlier one fails; the exit status is non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

bash scripts/setup.sh || { echo "test: setup failed" >&2; exit 1; }
PY=.venv/bin/python
export QT_QPA_PLATFORM=offscreen
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}
IN_CI=""
if [ "${CI:-}" = "true" ]; then IN_CI=1; fi

results=()   # "step<TAB>ok|FAILED|note"
record() { results+=("$1"$'\t'"$2"); }

postgres_reachable() {
    "$PY" - <<'EOF' >/dev/null 2>&1
import os, psycopg
psycopg.connect(os.environ["TEST_DATABASE_URL"], connect_timeout=3).close()
EOF
}

start_postgres() {
    if postgres_reachable; then
        record "postgresql" "ok"
        return
    fi
    if [ "$(id -u)" -eq 0 ] && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
        for version_dir in /etc/postgresql/*/; do
            [ -d "$version_dir" ] || continue
            version=$(basename "$version_dir")
            echo "test: starting PostgreSQL $version"
            pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        done
        for _ in $(seq 30); do
            postgres_reachable && break
            sleep 1
        done
    fi
    if postgres_reachable; then
        record "postgresql" "ok (started)"
    elif [ -n "$IN_CI" ]; then
        echo "test: PostgreSQL is not reachable at $TEST_DATABASE_URL, and CI=true requires it" >&2
        record "postgresql" "FAILED"
    else
        echo "test: PostgreSQL is not reachable at $TEST_DATABASE_URL: its tests will be skipped"
        record "postgresql" "not reachable (tests skipped)"
    fi
}

step() {  # step NAME COMMAND... : run, record ok/FAILED
    local name=$1
    shift
    echo "==> $name"
    if "$@"; then record "$name" "ok"; else record "$name" "FAILED"; fi
}

typed_packages() {  # the code folders that hold Python files (mypy refuses an empty folder)
    local folder
    for folder in common sync_server desktop kiosk tests bench; do
        if [ -n "$(find "$folder" -name '*.py' -print -quit 2>/dev/null)" ]; then echo "$folder"; fi
    done
}

start_postgres
step "ruff check" .venv/bin/ruff check .
step "ruff format" .venv/bin/ruff format --check .
mapfile -t packages < <(typed_packages)
step "mypy" .venv/bin/mypy "${packages[@]}"

report=$(mktemp -d)
trap 'rm -rf "$report"' EXIT
echo "==> pytest"
pytest_status=0
if [ "$#" -gt 0 ]; then
    .venv/bin/pytest --junitxml="$report/junit-all.xml" "$@" || pytest_status=$?
else
    # The Qt suites run in processes of their own: each builds whole applications, and Qt's global
    # state (fonts, the application object, worker threads) should not outlive its suite.
    .venv/bin/pytest --junitxml="$report/junit-core.xml" --ignore=tests/desktop --ignore=tests/kiosk \
        || pytest_status=$?
    for suite in tests/kiosk tests/desktop; do
        .venv/bin/pytest --junitxml="$report/junit-$(basename "$suite").xml" "$suite" || pytest_status=$?
    done
fi
counts=$("$PY" - "$report" <<'EOF'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

passed = failed = skipped = 0
for path in sorted(Path(sys.argv[1]).glob("junit-*.xml")):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        continue
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = sum(int(s.get("tests", 0)) for s in suites)
    bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skip = sum(int(s.get("skipped", 0)) for s in suites)
    passed, failed, skipped = passed + total - bad - skip, failed + bad, skipped + skip
print(passed, failed, skipped)
EOF
)
read -r passed failed skipped <<<"$counts"
if [ "$pytest_status" -eq 5 ] || [ "$((passed + failed))" -eq 0 ]; then
    record "pytest" "FAILED (no test ran)"
elif [ "$pytest_status" -ne 0 ]; then
    record "pytest" "FAILED (exit $pytest_status)"
else
    record "pytest" "ok"
fi

echo
echo "---- summary ----"
status=0
for line in "${results[@]}"; do
    printf '%-14s %s\n' "${line%%$'\t'*}" "${line#*$'\t'}"
    case "${line#*$'\t'}" in FAILED*) status=1 ;; esac
done
if [ "$status" -eq 0 ]; then echo "result: every check passed"; else echo "result: FAILED"; fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
