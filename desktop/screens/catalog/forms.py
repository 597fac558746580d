"""Form helpers the catalog and inventory dialogs share: a refusal from a service is shown, in
the current language, on the line under the field it is about (or above the buttons when it is
about no one field), and the field gets the focus."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from common.errors import DomainError
from common.qt.i18n import language
from desktop.widgets.common import Banner, label


def lines_of(edit: QPlainTextEdit) -> list[str]:
    """One entry per non-empty line."""
    return [line.strip() for line in edit.toPlainText().splitlines() if line.strip()]


def text_or_none(text: str) -> str | None:
    return text.strip() or None


class FieldErrors:
    """Error lines under fields, keyed by field; refusals find their field by code or by the
    field a text refusal names (`TextTooLong(field=...)`)."""

    def __init__(
        self,
        banner: Banner,
        *,
        codes: Mapping[str, str] | None = None,
        text_fields: Mapping[str, str] | None = None,
    ) -> None:
        self.banner = banner
        self.codes = dict(codes or {})
        self.text_fields = dict(text_fields or {})
        self.lines: dict[str, QLabel] = {}
        self.widgets: dict[str, QWidget] = {}

    def field(self, key: str, widget: QWidget) -> QWidget:
        """`widget` with its (hidden) error line under it, for a form row."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(widget)
        line = label("", "danger", wrap=True)
        line.setObjectName(f"error_{key}")
        line.hide()
        layout.addWidget(line)
        self.lines[key] = line
        self.widgets[key] = widget
        return box

    def clear(self) -> None:
        for line in self.lines.values():
            line.hide()
            line.setText("")
        self.banner.hide()

    def show(self, key: str | None, text: str) -> None:
        line = self.lines.get(key) if key is not None else None
        if line is None:
            self.banner.set_text(text)
            self.banner.show()
            return
        line.setText(text)
        line.setAccessibleName(text)
        line.show()
        self.widgets[key].setFocus()  # type: ignore[index]

    def show_refusal(self, error: BaseException) -> bool:
        """Show a service's refusal next to its field; False for anything that is not one."""
        if not isinstance(error, DomainError):
            return False
        key = self.codes.get(error.code)
        if key is None:
            key = self.text_fields.get(str(error.params.get("field", "")))
        self.show(key, error.translated(language().locale))
        return True

    def visible(self) -> Iterable[str]:
        return [key for key, line in self.lines.items() if not line.isHidden()]
