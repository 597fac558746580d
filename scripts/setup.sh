#!/usr/bin/env bash
# Set up this checkout: system libraries, a Python >= 3.11 virtualenv in .venv, and the project
# installed into it (editable, with the test tools). Safe to run again: it only does what is missing.
#
#   - as root: installs missing Debian/Ubuntu packages with apt-get (libzbar0 for barcode
#     decoding, fonts-noto-cjk for Chinese/Japanese text, and the libraries Qt needs to start);
#   - not root: prints exactly which packages are missing and the command that installs them;
#   - reinstalls the Python packages only when pyproject.toml (or the Python) changed.
#
# Environment: PYTHON=/path/to/python3.x to choose the interpreter; VENV=dir (default .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${VENV:-$ROOT/.venv}
STAMP=$VENV/.clinic-setup-stamp

say() { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

# Debian package names; "a|b" means either (names differ between releases).
SYSTEM_PACKAGES=(
    libzbar0                        # pyzbar: decode barcodes from camera images
    fonts-noto-cjk                  # CJK glyphs on screen and in PDFs
    fonts-wqy-microhei              # a TrueType CJK font reportlab can embed in PDFs (Noto CJK is CFF)
    libgl1 libegl1                  # Qt GUI (needed even offscreen)
    libxkbcommon0 libfontconfig1 libdbus-1-3
    "libglib2.0-0|libglib2.0-0t64"
)

is_root() { [ "$(id -u)" -eq 0 ]; }

installed() {  # installed PKG -> true if dpkg has it installed
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing_packages() {  # prints one installable name per missing package
    local spec name found
    for spec in "$@"; do
        found=""
        IFS='|' read -r -a names <<<"$spec"
        for name in "${names[@]}"; do
            if installed "$name"; then found=1; break; fi
        done
        [ -n "$found" ] && continue
        for name in "${names[@]}"; do  # the first alternative this system can install
            if apt-cache show "$name" >/dev/null 2>&1; then found=$name; break; fi
        done
        echo "${found:-${names[0]}}"
    done
}

pick_python() {
    local candidate
    for candidate in ${PYTHON:-} python3.11 python3.14 python3.13 python3.12 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# --- system packages --------------------------------------------------------------------------
apt_installed_something=""
if command -v dpkg-query >/dev/null 2>&1; then
    mapfile -t missing < <(missing_packages "${SYSTEM_PACKAGES[@]}")
    python_for_venv=$(pick_python || true)
    if [ -n "$python_for_venv" ] && [ ! -x "$VENV/bin/python" ] &&
        ! "$python_for_venv" -c 'import ensurepip, venv' 2>/dev/null; then
        # Debian splits venv support out of the interpreter package.
        missing+=("python$("$python_for_venv" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')-venv")
    fi
    if [ "${#missing[@]}" -gt 0 ]; then
        if is_root; then
            say "installing system packages: ${missing[*]}"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq
            apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
            apt_installed_something=1
        else
            say "missing system packages: ${missing[*]}"
            say "install them with:"
            say "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
        fi
    fi
else
    say "not a Debian/Ubuntu system: install the equivalents of ${SYSTEM_PACKAGES[*]} yourself"
fi

# --- the virtualenv ---------------------------------------------------------------------------
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    :
else
    python=$(pick_python) || fail "Python 3.11 or newer is needed (apt-get install python3.11, or set PYTHON=...)"
    say "creating $VENV with $("$python" --version 2>&1)"
    rm -rf "$VENV"
    "$python" -m venv "$VENV" || fail "could not create the virtualenv (on Debian: apt-get install python3-venv)"
fi

# --- the project and its Python packages ------------------------------------------------------
want=$( (cat pyproject.toml; "$VENV/bin/python" -VV) | sha256sum | cut -d' ' -f1)
have=$(cat "$STAMP" 2>/dev/null || true)
if [ "$want" != "$have" ] || [ ! -x "$VENV/bin/clinic-server" ] || [ -n "$apt_installed_something" ]; then
    say "installing the project and its Python packages into $VENV (the first time takes a few minutes)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[test]"
    # The runtime libraries must load: Qt offscreen (the apps and their tests) and zbar (scanning).
    if ! QT_QPA_PLATFORM=offscreen "$VENV/bin/python" -c '
from PySide6.QtWidgets import QApplication
app = QApplication([])
from pyzbar import pyzbar
' 2>"$VENV/.runtime-check.log"; then
        cat "$VENV/.runtime-check.log" >&2
        fail "Qt or zbar cannot start: install the system packages listed above, then run this again"
    fi
    echo "$want" >"$STAMP"
fi
say "ready: $("$VENV/bin/python" --version) in $VENV"
