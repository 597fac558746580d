"""One module per kiosk screen. Each fills itself from a flow state (`present`), forgets
everything personal on `clear`, and lays itself out for the screen's shape (`apply_metrics`)."""
