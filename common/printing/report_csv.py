"""A report as CSV: each section a block (its title, a header line, the rows, the total), blocks
separated by an empty line; figures plain (1234.50, 12.35 for 12.35%), dates ISO. UTF-8 with a
byte-order mark, so spreadsheet programs read Chinese and Japanese text correctly."""

from __future__ import annotations

import csv
import io
from typing import Any

from common.i18n import N_, translate
from common.printing.formatting import csv_cell, text
from common.reports.model import ReportData, Section, ValueKind


def report_csv(data: ReportData, *, locale: str, section: str | None = None) -> str:
    """The whole report, or only one section's table (a plain table, no title line)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if section is not None:
        _table(writer, data.section(section), locale, data.currency)
        return "\ufeff" + buffer.getvalue()
    writer.writerow([translate(data.title, locale), data.clinic_name])
    writer.writerow(
        [translate(N_("Period"), locale), data.period.first.isoformat(), data.period.last.isoformat()]
    )
    writer.writerow([translate(N_("Currency"), locale), data.currency])
    if data.filter_labels:
        writer.writerow(
            [translate(N_("Filters"), locale), *(text(label, locale) for label in data.filter_labels)]
        )
    writer.writerow([])
    if data.figures:
        writer.writerow([translate(N_("Summary"), locale)])
        for figure in data.figures:
            writer.writerow([translate(figure.label, locale), csv_cell(figure.value, figure.kind, locale)])
        writer.writerow([])
    for part in data.sections:
        writer.writerow([translate(part.title, locale)])
        _table(writer, part, locale, data.currency)
        writer.writerow([])
    return "\ufeff" + buffer.getvalue()


def _table(writer: Any, section: Section, locale: str, currency: str) -> None:
    columns = section.table.columns
    header = []
    for column in columns:
        title = translate(column.title, locale)
        if column.kind is ValueKind.MONEY:
            title = f"{title} ({currency})"
        elif column.kind is ValueKind.PERCENT:
            title = f"{title} (%)"
        header.append(title)
    writer.writerow(header)
    rows = list(section.table.rows) + ([section.table.total] if section.table.total is not None else [])
    for row in rows:
        writer.writerow(
            [csv_cell(value, column.kind, locale) for value, column in zip(row, columns, strict=True)]
        )
