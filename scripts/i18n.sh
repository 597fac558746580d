#!/usr/bin/env bash
# Extract every translatable string into the template, then merge it into the four catalogs.
# Translators edit common/i18n/locale/<lang>/LC_MESSAGES/messages.po; tests fail on any gap.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
pot=common/i18n/messages.pot
"$py" -m babel.messages.frontend -q extract -F babel.cfg -k N_ -k L_ -k _ -k gettext -k translate \
  -k 'ngettext:1,2' --no-location --sort-output --project "Clinic Front Desk" -o "$pot" \
  common desktop kiosk sync_server >/dev/null
for lang in en zh_TW zh_CN ja; do
  po=common/i18n/locale/$lang/LC_MESSAGES/messages.po
  if [ -f "$po" ]; then
    "$py" -m babel.messages.frontend -q update --no-fuzzy-matching --ignore-obsolete -i "$pot" -o "$po" -l "$lang" >/dev/null
  else
    "$py" -m babel.messages.frontend -q init -i "$pot" -o "$po" -l "$lang" >/dev/null
  fi
done
echo "catalogs updated from $pot"
