#!/usr/bin/env bash
# Set up and run the product on the embedded SQLite database, with the demo clinic: the clinic's
# server, and a front desk connected to it.
#
#   scripts/run.sh                      set up, migrate, seed the demo clinic once, serve it, open the desk
#   scripts/run.sh --patients 5000      a bigger demo clinic (only when none is seeded yet)
#
# Where the data lives: the server's database is DATABASE_URL, else $CLINIC_DATA_DIR/clinic.db
# (default ~/.local/share/clinic-front-desk/clinic.db); the desk's own replica is in
# $CLINIC_DATA_DIR/demo-desk/. The server listens on 127.0.0.1:$CLINIC_PORT (default 8000).
# Without a screen, the server runs until Ctrl+C and the command to open the desk is printed.
# Extra arguments go to `clinic-server seed-demo`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

clinic-server migrate
clinic-server seed-demo "$@"

start_product() {
    local port="${CLINIC_PORT:-8000}" data desk url server
    data="$(python -c 'from common.config import load_settings; print(load_settings().data_dir)')"
    desk="$data/demo-desk"
    url="http://127.0.0.1:$port"

    clinic-server serve --host 127.0.0.1 --port "$port" &
    server=$!
    trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
    trap 'exit 130' INT TERM
    python - "$url" <<'PY'
import sys, time, httpx
deadline = time.monotonic() + 60
while True:
    try:
        if httpx.get(sys.argv[1] + "/api/health", timeout=2).status_code == 200:
            break
    except httpx.HTTPError:
        pass
    if time.monotonic() > deadline:
        sys.exit(f"the server did not answer at {sys.argv[1]}")
    time.sleep(0.2)
PY

    if ! clinic-sync status --data-dir "$desk" >/dev/null 2>&1; then
        # The desk joins the demo clinic the way any desk does: a one-time code from the server.
        clinic-sync enroll --server "$url" --code "$(clinic-server enroll-code --demo --role front-desk)" \
            --data-dir "$desk" --name "Demo front desk"
    fi
    local open_desk=(env CLINIC_DATA_DIR="$desk" DATABASE_URL="sqlite:///$desk/replica.db" clinic-desktop)
    if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "$(uname)" = Linux ]; then
        echo
        echo "The clinic's server runs at $url (Ctrl+C stops it). There is no screen here to open"
        echo "the front desk on; where there is one, with this server running:"
        echo "  PATH=\"$PWD/.venv/bin:\$PATH\" ${open_desk[*]}"
        wait "$server"
    else
        "${open_desk[@]}"
    fi
}
start_product
