"""Connecting this PC to the clinic: the steps, free of Qt (the page in page.py drives them).

1. `enroll_desk`: the one-time code (typed, or read from its QR) is redeemed at the server for
   this PC's device id and credential; the credential goes to the OS keyring, the enrollment into
   the replica's sync state.
2. `initial_sync`: the clinic's records are pulled into the replica through the sync engine, page
   by page, each page with its cursor in one transaction: a cancelled or broken sync resumes where
   it stopped, and the desk opens the clinic only once it has finished.

Both run on the desk's database worker. What goes wrong becomes a `Problem`: a message that says
what happened and what to do (`explain`).
"""

from __future__ import annotations

import multiprocessing
import queue
import re
import socket
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import parse_qs, urlparse

import httpx

from common.database import Database
from common.i18n import N_
from common.sync.client import InsecureServerUrl, ServerRefused, SyncClient, check_server_url
from desktop.enrollment.clients import InitialSyncCancelled, InitialSyncClient
from desktop.startup import INITIAL_SYNC_DONE_KEY, schema_revision

# The initial sync's pages (in a child process: their size costs the GUI nothing).
PAGE_ROWS: Final = 5_000
# The running desk's pages (in the desk's own process, beside the GUI): small, so parsing one holds
# the interpreter lock only briefly; day-to-day pulls are a few rows anyway.
STEADY_PAGE_ROWS: Final = 500
_CODE: Final = re.compile(r"([0-9a-fA-F]{32})\.((?:[A-Za-z2-7]{4}-?){3}[A-Za-z2-7]{4})")
_LOOPBACK_NAMES: Final = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


class EnrollmentInputError(ValueError):
    """What was typed cannot be used (the message is a msgid)."""

    def __init__(self, msgid: str) -> None:
        super().__init__(msgid)
        self.msgid = msgid


class CredentialMissing(RuntimeError):
    """The replica is enrolled but its credential is not in the keyring (it was cleared)."""


class CancellableProgress(Protocol):
    @property
    def cancelled(self) -> bool: ...

    def report(self, done: int, total: int = 0, message: str = "") -> None: ...


@dataclass(frozen=True)
class Problem:
    """A failure as a person reads it: a msgid and its parameters (translated when shown)."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScannedCode:
    code: str
    server: str | None = None  # a link carrying the code names its server too


@dataclass(frozen=True)
class Enrolled:
    device_id: uuid.UUID
    clinic_id: uuid.UUID
    server_url: str


@dataclass(frozen=True)
class SyncOutcome:
    finished: bool  # False: cancelled (what was downloaded stays)
    clinic_id: uuid.UUID
    done: int  # rows on this PC now (about)
    total: int  # rows the clinic holds (about)


# ---- what was typed or scanned ----------------------------------------------------------------


def read_code(text: str) -> ScannedCode | None:
    """An enrollment code from what was typed or scanned: the code itself
    (`<clinic id>.XXXX-XXXX-XXXX-XXXX`, dashes and case as you like) or a link carrying it as
    `?code=` (which names the server as well); None if it is neither."""
    raw = text.strip()
    server = None
    parsed = urlparse(raw)
    if parsed.scheme in ("http", "https") and parsed.netloc:
        found = parse_qs(parsed.query).get("code") or [""]
        raw = found[0].strip()
        server = f"{parsed.scheme}://{parsed.netloc}"
    match = _CODE.fullmatch(raw.replace(" ", ""))
    if match is None:
        return None
    secret = match[2].replace("-", "").upper()
    grouped = "-".join(secret[i : i + 4] for i in range(0, 16, 4))
    return ScannedCode(f"{match[1].lower()}.{grouped}", server)


def server_address(text: str) -> str:
    """The server's address as typed, made whole: https:// is assumed (http:// for this PC itself,
    where the clinic's server may run beside the desk)."""
    raw = text.strip().rstrip("/")
    if not raw:
        raise EnrollmentInputError(MISSING_SERVER)
    if "://" not in raw:
        host = raw.split("/", 1)[0].rsplit(":", 1)[0] if raw.count(":") <= 1 else raw
        raw = ("http://" if host in _LOOPBACK_NAMES else "https://") + raw
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise EnrollmentInputError(BAD_SERVER)
    try:
        return check_server_url(raw)
    except InsecureServerUrl:
        raise EnrollmentInputError(INSECURE_SERVER) from None


def code_from(text: str) -> str:
    if not text.strip():
        raise EnrollmentInputError(MISSING_CODE)
    scanned = read_code(text)
    if scanned is None:
        raise EnrollmentInputError(BAD_CODE)
    return scanned.code


# ---- the steps (on the desk's database worker) --------------------------------------------------


def enroll_desk(
    db: Database, data_dir: Path, server: str, code: str, device_name: str | None = None
) -> Enrolled:
    """Redeem the code; keep the credential in the keyring and the enrollment in the replica."""
    from common.sync.credentials import save_credential
    from common.sync.enrollment import DeviceInfo, record_enrollment
    from common.sync.models import DeviceKind

    client = SyncClient(server, None, schema_revision(db) or "")
    try:
        answer = client.enroll(code, (device_name or socket.gethostname() or "front desk")[:100])
    finally:
        client.close()
    if DeviceKind(answer.kind) is not DeviceKind.FRONT_DESK:
        raise ServerRefused(403, "enrollment_not_front_desk", "")
    save_credential(data_dir, str(answer.device_id), answer.credential)
    record_enrollment(
        db.engine, DeviceInfo(answer.device_id, answer.clinic_id, DeviceKind.FRONT_DESK, server)
    )
    return Enrolled(answer.device_id, answer.clinic_id, server)


def initial_sync(db: Database, data_dir: Path, progress: CancellableProgress) -> SyncOutcome:
    """Pull the clinic into the replica, reporting rows done of rows in all; resumes a sync that
    stopped. Returns unfinished if cancelled; raises `SyncProblem` if it failed.

    The pulling runs in a child process: parsing and applying pages of thousands of rows would hold
    the interpreter lock for tens of milliseconds at a time, and the GUI thread would stutter with
    it. Here the desk's worker only relays progress and the person's cancel."""
    from common.sync import state
    from common.sync.credentials import load_credential
    from common.sync.enrollment import device_info
    from common.sync.replica import local_checksums, replica_transaction

    info = device_info(db.engine)
    if info is None:
        raise state.NotEnrolled()
    credential = load_credential(data_dir, str(info.device_id))  # the OS keyring, from this process
    if credential is None:
        raise CredentialMissing()
    with db.engine.connect() as connection:
        already = sum(sums.rows for sums in local_checksums(connection, info.clinic_id).values())
        connection.rollback()
    done = total = already
    progress.report(done, total, "")
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    cancel = context.Event()
    url = db.engine.url.render_as_string(hide_password=False)
    child = context.Process(
        target=_sync_child,
        args=(url, info.server_url, credential, PAGE_ROWS, cancel, messages),
        name="initial-sync",
        daemon=True,
    )
    child.start()
    finished = False
    try:
        while True:
            if progress.cancelled:
                cancel.set()  # the child stops before its next page
            try:
                kind, *payload = messages.get(timeout=0.1)
            except queue.Empty:
                if not child.is_alive():
                    raise SyncProblem(Problem(UNEXPECTED)) from None
                continue
            if kind == "progress":
                done, total = already + int(payload[0]), already + int(payload[1])
                progress.report(done, total, "")
            elif kind == "cancelled":
                return SyncOutcome(False, info.clinic_id, done, total)
            elif kind == "done":
                finished = True
                break
            else:
                raise SyncProblem(payload[0] if isinstance(payload[0], Problem) else Problem(UNEXPECTED))
    finally:
        if not finished:
            cancel.set()
        child.join(timeout=30)
        if child.is_alive():
            child.kill()
    with replica_transaction(db.engine) as connection:
        state.put(connection, INITIAL_SYNC_DONE_KEY, db.clock.now().isoformat())
    progress.report(total, total, "")
    return SyncOutcome(True, info.clinic_id, total, total)


class SyncProblem(RuntimeError):
    """The initial sync failed; `problem` says why, as a person reads it."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.msgid)
        self.problem = problem


def _sync_child(url: str, server: str, credential: str, page_rows: int, cancel: Any, messages: Any) -> None:
    """The initial sync itself, in the child process: the sync engine's pull, page by page, each
    page with its cursor in one transaction (a cancel or a kill loses nothing already applied)."""
    import gc

    from common.storage.engine import create_database_engine
    from common.sync.engine import SyncEngine

    gc.disable()  # millions of short-lived objects, freed by reference counting: no cycles to find
    engine = create_database_engine(url, check_integrity=False)
    try:
        db = Database(engine)
        client = InitialSyncClient(server, credential, schema_revision(db) or "", cancel.is_set)
        sync = SyncEngine(db, client, page_rows=page_rows)

        def relay(event: str, payload: Any) -> None:
            if event == "progress":
                messages.put(("progress", int(payload[0]), int(payload[1])))

        sync.subscribe(relay)
        try:
            sync.sync_once()
        except InitialSyncCancelled:
            messages.put(("cancelled",))
            return
        finally:
            client.close()
        messages.put(("done",))
    except Exception as error:
        messages.put(("failed", explain(error, server)))
    finally:
        engine.dispose()


# ---- time left -----------------------------------------------------------------------------------


class TimeLeft:
    """Seconds left from the rate since this sync started (a resumed sync counts only its own rows)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._start: tuple[float, int] | None = None

    def update(self, done: int, total: int) -> float | None:
        now = self._clock()
        if self._start is None:
            self._start = (now, done)
            return None
        started, first = self._start
        elapsed, rows = now - started, done - first
        if elapsed < 1.0 or rows <= 0:
            return None
        return max(0.0, (total - done) / (rows / elapsed))


def time_left_text(seconds: float | None) -> tuple[str, dict[str, Any]]:
    """A msgid and its parameters for the time left."""
    if seconds is None:
        return ESTIMATING, {}
    if seconds < 60:
        return LESS_THAN_A_MINUTE, {}
    return MINUTES_LEFT, {"minutes": int(-(-seconds // 60))}


# ---- what a person is told ----------------------------------------------------------------------


def explain(error: BaseException, server: str = "") -> Problem:
    """What went wrong, as a person at the desk reads it, with what to do."""
    if isinstance(error, EnrollmentInputError):
        return Problem(error.msgid)
    if isinstance(error, SyncProblem):
        return error.problem
    if isinstance(error, InsecureServerUrl):
        return Problem(INSECURE_SERVER)
    if isinstance(error, CredentialMissing):
        return Problem(CREDENTIAL_MISSING)
    if isinstance(error, ServerRefused):
        return _refused(error)
    if _is_tls(error):
        return Problem(TLS_FAILED, {"server": server})
    if isinstance(error, httpx.TimeoutException):
        return Problem(TIMED_OUT, {"server": server})
    if isinstance(error, httpx.ConnectError | ConnectionError | socket.gaierror):
        return Problem(UNREACHABLE, {"server": server})
    if isinstance(error, httpx.HTTPError | OSError):
        return Problem(BROKE_OFF, {"server": server})
    if type(error).__module__.startswith(("keyring", "keyrings")):
        return Problem(KEYRING_FAILED)
    return Problem(UNEXPECTED)


def _refused(error: ServerRefused) -> Problem:
    if error.code == "enrollment_code_invalid":
        return Problem(CODE_REFUSED)
    if error.code == "enrollment_not_front_desk":
        return Problem(NOT_A_DESK_CODE)
    if error.code == "sync_protocol_not_supported" or error.status == 426:
        return Problem(TOO_OLD)
    if error.status == 401:
        return Problem(DEVICE_REVOKED)
    if error.status == 429:
        return Problem(TOO_MANY)
    return Problem(SERVER_REFUSED, {"code": error.code or str(error.status)})


def _is_tls(error: BaseException) -> bool:
    seen: BaseException | None = error
    for _depth in range(6):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


MISSING_SERVER: Final = N_(
    "Enter the address of your clinic's server, for example https://clinic.example.com."
)
BAD_SERVER: Final = N_(
    "This is not a server address. It looks like https://clinic.example.com: check it with your "
    "administrator."
)
INSECURE_SERVER: Final = N_(
    "The server address must start with https:// (plain http:// is allowed only for a server on this PC)."
)
MISSING_CODE: Final = N_("Enter the enrollment code your administrator gave you, or scan its QR code.")
BAD_CODE: Final = N_(
    "This is not an enrollment code. A code looks like 0f3c…9a1b.ABCD-EFGH-JKLM-NPQR: check what was "
    "typed, or scan the QR code again."
)
CODE_REFUSED: Final = N_(
    "The server did not accept this enrollment code: it may be mistyped, already used, or expired "
    "(a code works once, for one hour). Ask your administrator for a new code."
)
NOT_A_DESK_CODE: Final = N_(
    "This enrollment code is for a lobby kiosk, not a front desk. Ask your administrator for a "
    "front-desk code."
)
UNREACHABLE: Final = N_(
    "The clinic's server at %(server)s could not be reached. Check the address and that this PC is "
    "connected to the network, then try again."
)
TIMED_OUT: Final = N_(
    "The clinic's server at %(server)s did not answer in time. Check the network connection and try again."
)
TLS_FAILED: Final = N_(
    "The server's security certificate could not be verified, so this PC did not connect. Check the "
    "address; if your clinic uses its own certificate, ask your administrator to install it on this PC."
)
TOO_OLD: Final = N_(
    "This version of the front desk is too old for your clinic's server. Install the current version, "
    "then connect again."
)
DEVICE_REVOKED: Final = N_(
    "The clinic's server no longer accepts this PC. Ask your administrator for a new enrollment code."
)
TOO_MANY: Final = N_("The clinic's server is busy. Wait a minute, then try again.")
SERVER_REFUSED: Final = N_(
    "The clinic's server refused the request (%(code)s). Try again; if it keeps happening, tell your "
    "administrator."
)
BROKE_OFF: Final = N_(
    "The connection to the clinic's server broke off. What was downloaded is kept: try again to "
    "continue from there."
)
KEYRING_FAILED: Final = N_(
    "This PC could not keep its connection key in the system's secure storage. Ask your administrator "
    "to check the keyring on this PC, then try again."
)
CREDENTIAL_MISSING: Final = N_(
    "This PC's connection key is missing from the system's secure storage. Ask your administrator for "
    "a new enrollment code to connect it again."
)
UNEXPECTED: Final = N_(
    "Something went wrong while connecting this PC. Try again; if it keeps happening, tell your "
    "administrator."
)
ESTIMATING: Final = N_("Estimating the time left…")
LESS_THAN_A_MINUTE: Final = N_("Less than a minute left")
MINUTES_LEFT: Final = N_("About %(minutes)s min left")
