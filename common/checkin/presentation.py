"""Times as a patient reads them: the clinic's wall clock, in the reader's language."""

from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from babel.dates import format_time

from common.i18n import normalize_locale

_BABEL_LOCALES: Final = {"en": "en_US", "zh_TW": "zh_Hant_TW", "zh_CN": "zh_Hans_CN", "ja": "ja_JP"}


def clock_time(instant: datetime, timezone: str, locale: str) -> str:
    """ "2:30 PM", "下午2:30", "14:30": the short time of day at the clinic."""
    local = instant.astimezone(ZoneInfo(timezone))
    return format_time(local.time(), format="short", locale=_BABEL_LOCALES[normalize_locale(locale)])
