"""Server-side sign-in sessions of staff: one per login, with its chain of rotating refresh tokens."""
