"""The unit of work: one transaction per operation, committed at the edge."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

import common.models  # noqa: F401 - every mapper configured before the first session
from common.audit.chain import append
from common.clock import SYSTEM_CLOCK, Clock
from common.context import Actor, ServiceContext
from common.storage.session import ClinicSession, open_session, session_factory


class Database:
    """An engine plus the rules for opening clinic sessions on it.

    `chain_id` names this writer's audit chain: the device id on a device, "server" on the server.
    """

    def __init__(self, engine: Engine, *, clock: Clock = SYSTEM_CLOCK, chain_id: str = "local") -> None:
        self.engine = engine
        self.clock = clock
        self.chain_id = chain_id
        self._factory = session_factory(engine)

    def session(self, clinic_id: uuid.UUID | None) -> ClinicSession:
        return open_session(self._factory, clinic_id, self.clock)

    @contextmanager
    def context(self, clinic_id: uuid.UUID, actor: Actor) -> Iterator[ServiceContext]:
        """Run one operation: commit if it returns, roll back if it raises.

        Refused accesses are audited even though the operation's transaction is rolled back.
        """
        session = self.session(clinic_id)
        ctx = ServiceContext(session, clinic_id, actor, self.clock, self.chain_id)
        try:
            yield ctx
            for entry in ctx.denials:  # a refusal the operation caught and got past
                append(session, clinic_id, self.chain_id, entry, self.clock.now())
            session.commit()
        except BaseException:
            session.rollback()
            if ctx.denials:
                self._record_denials(ctx)
            raise
        finally:
            session.close()

    def _record_denials(self, failed: ServiceContext) -> None:
        with self.session(failed.clinic_id) as session, session.begin():
            for entry in failed.denials:
                append(session, failed.clinic_id, self.chain_id, entry, self.clock.now())
