#!/usr/bin/env bash
# Until the first release, the initial migration is regenerated from the models.
# After a release, schema changes are new migrations (expand, then contract): never this.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
versions=common/storage/migrations/versions
mkdir -p "$tmp/keep"
# The hand-written migrations after 0001 (0002 dialect objects, 0003 row-level security, ...)
# step aside while 0001 is generated, so the generator starts from an empty database.
for later in "$versions"/[0-9][0-9][0-9][0-9]_*.py; do
    case $later in */0001_*) ;; *) mv "$later" "$tmp/keep/" ;; esac
done
rm -f "$versions"/0001_*.py
"$py" -m common.storage.migrate revision -m "initial schema" --url "sqlite:///$tmp/gen.db" --rev-id 0001 >/dev/null
mv "$tmp/keep/"*.py "$versions/" 2>/dev/null || true
"$py" -m ruff format -q "$versions"
"$py" -m ruff check -q --fix "$versions" || true
echo "regenerated $versions/0001_initial_schema.py"
