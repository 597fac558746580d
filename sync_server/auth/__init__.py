"""Sign-in: staff login, rotating refresh tokens, access-token checks, the request unit of work."""
