"""The clinic server: sync endpoints, the REST API, licensing, billing and relays (FastAPI)."""
