"""Refusals of the reports, each with its own message."""

from __future__ import annotations

from common.errors import NotFound, ValidationFailed
from common.i18n import N_


class ReportRangeReversed(ValidationFailed):
    code = "report_range_reversed"
    message = N_("The report period ends (%(last)s) before it starts (%(first)s). Swap the two dates.")


class ReportRangeTooLong(ValidationFailed):
    code = "report_range_too_long"
    message = N_("A report covers at most %(days)s days. Choose a shorter period.")


class UnknownReport(NotFound):
    code = "unknown_report"
    message = N_("There is no report called %(name)s. Choose one of: %(names)s.")


class CashUpNeedsOneDay(ValidationFailed):
    code = "cash_up_needs_one_day"
    message = N_("A cash-up covers one day. Give the same date as the start and the end of the period.")
