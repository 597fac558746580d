"""The server's FastAPI app: `create_app(settings)`.

One `Database` per app; each request gets its own unit of work from the auth dependency
(sync_server/auth/dependencies.py). Routes are sliced by feature, thin over common/ services.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine, text
from starlette.middleware.gzip import GZipMiddleware

from common.clock import SYSTEM_CLOCK, Clock
from common.database import Database
from common.runtime import freeze_startup_objects
from common.storage.engine import create_database_engine
from sync_server.access_log import AccessLog
from sync_server.appointments.endpoints import router as appointments_router
from sync_server.auth.endpoints import router as auth_router
from sync_server.barcodes.endpoints import router as barcodes_router
from sync_server.body_limit import BodySizeLimit
from sync_server.catalog.endpoints import router as catalog_router
from sync_server.config import ServerSettings, load_server_settings
from sync_server.devices.endpoints import router as devices_router
from sync_server.errors import install_error_handlers
from sync_server.health import router as health_router
from sync_server.inventory.endpoints import router as inventory_router
from sync_server.jobs import JOBS, Job, JobScheduler
from sync_server.licensing.endpoints import router as licensing_router
from sync_server.patients.endpoints import router as patients_router
from sync_server.payments.endpoints import router as payments_router
from sync_server.registration.endpoints import router as registration_router
from sync_server.runtime import Server
from sync_server.staff.endpoints import router as staff_router
from sync_server.sync.endpoints import router as sync_router
from sync_server.sync.pokes import serve_pokes
from sync_server.treatments.endpoints import router as treatments_router

log = logging.getLogger(__name__)

SERVER_CHAIN: str = "server"
FEATURE_ROUTERS = (
    health_router,
    auth_router,
    appointments_router,
    patients_router,
    barcodes_router,
    catalog_router,
    inventory_router,
    treatments_router,
    licensing_router,
    staff_router,
    devices_router,
    payments_router,
    sync_router,
    registration_router,
)


def create_app(
    settings: ServerSettings,
    *,
    engine: Engine | None = None,
    clock: Clock = SYSTEM_CLOCK,
    jobs: Sequence[Job] = JOBS,
) -> FastAPI:
    """The app for `settings`. An `engine` given is used as is (and left open); otherwise one is
    made from `settings.database_url` and disposed of at shutdown. `jobs` are the scheduled jobs
    it runs when `settings.run_jobs`."""
    owned = engine is None
    database_engine = engine if engine is not None else create_database_engine(settings.database_url)
    db = Database(database_engine, clock=clock, chain_id=SERVER_CHAIN)
    serve_pokes(database_engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        scheduler = _start_jobs(settings, db, jobs) if settings.run_jobs else None
        try:
            yield
        finally:
            if scheduler is not None:
                await _stop_jobs(scheduler)
            if owned:
                database_engine.dispose()

    app = FastAPI(
        title="Clinic Front Desk server",
        version="1.0.0",
        description="REST API of the clinic CRM (the seed's /api paths) and the device sync protocol.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.server = Server.build(settings, db, clock)
    install_error_handlers(app)
    if settings.gzip_min_bytes > 0:
        # Starlette never compresses text/event-stream, so pokes are not held back in a buffer.
        app.add_middleware(
            GZipMiddleware, minimum_size=settings.gzip_min_bytes, compresslevel=settings.gzip_level
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(AccessLog)
    for router in FEATURE_ROUTERS:
        app.include_router(router)
    return app


def _start_jobs(settings: ServerSettings, db: Database, jobs: Sequence[Job]) -> JobScheduler:
    """The scheduled jobs, listing clinics through the admin connection (its own engine when it
    is another URL than the app's)."""
    separate = settings.admin_database_url != settings.database_url
    admin_engine = create_database_engine(settings.admin_database_url, pool_size=1) if separate else db.engine
    scheduler = JobScheduler(db, admin_engine, jobs)
    scheduler.start()
    return scheduler


async def _stop_jobs(scheduler: JobScheduler) -> None:
    await scheduler.stop()
    if scheduler.admin_engine is not scheduler.db.engine:
        scheduler.admin_engine.dispose()


def app_from_environment() -> FastAPI:
    """The app configured from the environment: what `clinic-server serve` runs in each worker."""
    app = create_app(load_server_settings())
    freeze_startup_objects()
    return app


def warn_if_role_bypasses_security(engine: Engine) -> None:
    """Say so loudly when the server's PostgreSQL role would not be held by row-level security
    (a superuser, a BYPASSRLS role, or the owner of the clinic tables)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as connection:
        bypasses = connection.execute(
            text(
                "SELECT r.rolsuper OR r.rolbypassrls OR EXISTS ("
                "SELECT 1 FROM pg_class c WHERE c.relname = 'patients' AND c.relowner = r.oid) "
                "FROM pg_roles r WHERE r.rolname = current_user"
            )
        ).scalar()
    if bypasses:
        log.warning(
            "the server connects to PostgreSQL as a role that bypasses row-level security "
            "(superuser, BYPASSRLS or table owner); connect as a member of clinic_app instead"
        )
