"""Table models for lists of rows: a list of plain row objects and a list of column specs.

Display strings are computed once per cell and cached (a table of thousands of rows repaints from
the cache); `set_rows` replaces the rows and clears the cache, `retranslate` clears it when the
language changes, `refresh_column` when a column depends on the time (waiting minutes).
Rows are frozen dataclasses made on the worker thread; a model never touches the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from PySide6.QtCore import QAbstractItemModel, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QIcon

from common.qt.i18n import _
from common.qt.icons import dot

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex

NO_PARENT: Final = QModelIndex()  # the invisible root: the parent of top-level rows
ROW_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 1  # the row object itself
SORT_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 2

LEFT: Final = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT: Final = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER: Final = Qt.AlignmentFlag.AlignCenter


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: its title (a msgid, translated when shown) and how a row shows in it."""

    title: str
    text: Callable[[R], str]
    sort_key: Callable[[R], Any] | None = None
    align: Qt.AlignmentFlag = LEFT
    foreground: Callable[[R], QColor | None] | None = None
    background: Callable[[R], QColor | None] | None = None
    decoration: Callable[[R], QIcon | QColor | None] | None = None
    tooltip: Callable[[R], str | None] | None = None
    bold: Callable[[R], bool] | None = None
    accessible: Callable[[R], str] | None = None


class RowTableModel(QAbstractTableModel, Generic[R]):
    def __init__(self, columns: Sequence[Column[R]], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[R] = []
        self._text: dict[tuple[int, int], str] = {}
        self._bold = QFont()
        self._bold.setBold(True)

    # -- contents -------------------------------------------------------------------------------

    @property
    def rows(self) -> list[R]:
        return list(self._rows)

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._text.clear()
        self.endResetModel()

    def row_at(self, index: Index | int) -> R:
        number = index if isinstance(index, int) else index.row()
        return self._rows[number]

    def find(self, predicate: Callable[[R], bool]) -> int:
        """The first row number matching, or -1."""
        return next((number for number, row in enumerate(self._rows) if predicate(row)), -1)

    def replace_row(self, number: int, row: R) -> None:
        self._rows[number] = row
        for column in range(len(self._columns)):
            self._text.pop((number, column), None)
        self.dataChanged.emit(self.index(number, 0), self.index(number, len(self._columns) - 1))

    def refresh_column(self, column: int) -> None:
        if not self._rows:
            return
        for number in range(len(self._rows)):
            self._text.pop((number, column), None)
        self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    def retranslate(self) -> None:
        self._text.clear()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, max(0, len(self._columns) - 1))
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self._columns) - 1))

    # -- the model interface -------------------------------------------------------------------

    def rowCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return _(self._columns[section].title) if self._columns[section].title else ""
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(self._columns[section].align)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            key = (index.row(), index.column())
            text = self._text.get(key)
            if text is None:
                text = column.text(row)
                self._text[key] = text
            return text
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            return column.sort_key(row) if column.sort_key is not None else column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align)
        if role == Qt.ItemDataRole.ForegroundRole and column.foreground is not None:
            return column.foreground(row)
        if role == Qt.ItemDataRole.BackgroundRole and column.background is not None:
            return column.background(row)
        if role == Qt.ItemDataRole.DecorationRole and column.decoration is not None:
            return column.decoration(row)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        if role == Qt.ItemDataRole.FontRole and column.bold is not None and column.bold(row):
            return self._bold
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return column.accessible(row) if column.accessible is not None else self.data(index)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        spec = self._columns[column]
        key = spec.sort_key or spec.text
        self.layoutAboutToBeChanged.emit()
        self._rows.sort(key=key, reverse=order is Qt.SortOrder.DescendingOrder)
        self._text.clear()
        self.layoutChanged.emit()


@dataclass(frozen=True)
class Group(Generic[R]):
    """A heading row (spanning the columns) and the rows under it."""

    title: str  # shown as it is (already translated)
    rows: tuple[R, ...]
    color: QColor | None = None  # a small mark beside the heading (a doctor's colour)
    key: Any = None


class GroupedTableModel(QAbstractItemModel, Generic[R]):
    """Rows under headings, two levels deep (a day's appointments under each doctor).

    Top-level items are the groups; their children are rows, shown through the same column specs
    as RowTableModel. A child's internal id is its group's number + 1 (0 marks a group)."""

    def __init__(self, columns: Sequence[Column[R]], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._groups: list[Group[R]] = []
        self._text: dict[tuple[int, int, int], str] = {}
        self._bold = QFont()
        self._bold.setBold(True)

    @property
    def groups(self) -> list[Group[R]]:
        return list(self._groups)

    def set_groups(self, groups: Sequence[Group[R]]) -> None:
        self.beginResetModel()
        self._groups = list(groups)
        self._text.clear()
        self.endResetModel()

    def row_at(self, index: Index) -> R | None:
        """The row of a child index (None for a heading)."""
        group = index.internalId()
        if not index.isValid() or group == 0:
            return None
        return self._groups[group - 1].rows[index.row()]

    def refresh_column(self, column: int) -> None:
        self._text = {key: text for key, text in self._text.items() if key[2] != column}
        for number, group in enumerate(self._groups):
            if group.rows:
                parent = self.index(number, 0)
                self.dataChanged.emit(
                    self.index(0, column, parent), self.index(len(group.rows) - 1, column, parent)
                )

    def retranslate(self) -> None:
        self._text.clear()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, max(0, len(self._columns) - 1))
        self.layoutChanged.emit()

    def index(self, row: int, column: int, parent: Index = NO_PARENT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = NO_PARENT) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(int(index.internalId()) - 1, 0, 0)

    def rowCount(self, parent: Index = NO_PARENT) -> int:
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self._groups[parent.row()].rows)
        return 0

    def columnCount(self, parent: Index = NO_PARENT) -> int:
        return len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        shown = orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
        if shown and 0 <= section < len(self._columns):
            return _(self._columns[section].title) if self._columns[section].title else ""
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        group_number = int(index.internalId())
        if group_number == 0:
            group = self._groups[index.row()]
            if index.column() != 0:
                return None
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return group.title
            if role == Qt.ItemDataRole.FontRole:
                return self._bold
            if role == Qt.ItemDataRole.DecorationRole and group.color is not None:
                return dot(group.color, 12)
            return None
        row = self._groups[group_number - 1].rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            key = (group_number, index.row(), index.column())
            text = self._text.get(key)
            if text is None:
                text = column.text(row)
                self._text[key] = text
            return text
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align)
        if role == Qt.ItemDataRole.ForegroundRole and column.foreground is not None:
            return column.foreground(row)
        if role == Qt.ItemDataRole.BackgroundRole and column.background is not None:
            return column.background(row)
        if role == Qt.ItemDataRole.DecorationRole and column.decoration is not None:
            return column.decoration(row)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        if role == Qt.ItemDataRole.FontRole and column.bold is not None and column.bold(row):
            return self._bold
        return None
