"""Logging for every app: ids only, never personal data (SECURITY.md row 18).

Our own log calls name ids, counts and outcomes. Two library channels could still carry patients'
details: SQL parameters (engines are created with `hide_parameters=True`) and SQLAlchemy's DEBUG
output, which prints result rows. The filter below drops the latter at every handler, so even
someone turning SQL logging up to DEBUG to chase a problem cannot write patients into a log file.
"""

from __future__ import annotations

import logging
from typing import Final

LIBRARY_LEVELS: Final = {"sqlalchemy": logging.WARNING, "alembic": logging.INFO, "httpx": logging.WARNING}


class NoResultRows(logging.Filter):
    """Refuse SQLAlchemy's DEBUG records (result rows and column values)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name.startswith("sqlalchemy") and record.levelno < logging.INFO)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(NoResultRows())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, library_level in LIBRARY_LEVELS.items():
        logging.getLogger(name).setLevel(max(level, library_level))
