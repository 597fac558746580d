"""What one running server holds: its settings, its database and its sign-in machinery.

One `Server` per app (`app.state.server`); requests reach it through `server_of(request)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from common.clock import SYSTEM_CLOCK, Clock
from common.database import Database
from sync_server.auth.sessions import SessionPolicy, SignInSessions
from sync_server.auth.throttle import LoginThrottle
from sync_server.auth.tokens import AccessTokens
from sync_server.config import ServerSettings


@dataclass
class Server:
    settings: ServerSettings
    db: Database
    tokens: AccessTokens
    sessions: SignInSessions
    login_throttle: LoginThrottle

    @classmethod
    def build(cls, settings: ServerSettings, db: Database, clock: Clock = SYSTEM_CLOCK) -> Server:
        tokens = AccessTokens(settings.jwt_secret, settings.access_token_ttl, clock)
        policy = SessionPolicy(
            refresh_lifetime=settings.refresh_token_ttl,
            idle_timeout=settings.idle_timeout,
            max_age=settings.max_session_age,
        )
        return cls(settings, db, tokens, SignInSessions(db, tokens, policy), LoginThrottle(clock))


def server_of(connection: HTTPConnection) -> Server:
    server = connection.app.state.server
    if not isinstance(server, Server):
        raise RuntimeError("the app was not made by sync_server.app.create_app")
    return server
