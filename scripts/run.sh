#!/usr/bin/env bash
# Set up and run the product on the embedded SQLite database, with the demo clinic.
#
#   scripts/run.sh                      set up, migrate, seed the demo clinic once, show it
#   scripts/run.sh --patients 5000      a bigger demo clinic (only when none is seeded yet)
#
# Where the data lives: DATABASE_URL, else $CLINIC_DATA_DIR/clinic.db (default
# ~/.local/share/clinic-front-desk/clinic.db). Extra arguments go to `clinic-server seed-demo`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

clinic-server migrate
clinic-server seed-demo "$@"

start_product() {
    # The apps start here as their issues land: the sync server (`clinic-server serve`) and the
    # front-desk app (`clinic-desktop`). Until then the product is the demo clinic shown above.
    :
}
start_product
