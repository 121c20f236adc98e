"""The superior-law status table: which laws a document may cite, and their status on a date.

The table is data owned by the project (``screening/data/lawref.csv``): one row per law or
administrative regulation with its short names, level, effective date, the dates amendments took
effect, the date it was repealed and what replaced it, and the legal source of these facts. A law
missing from the table, or a row without ``repealed_on``, means only that no repeal is recorded
here; rules never conclude anything from absence.

Columns: ``name, short_names (| separated), level, effective, amended_on (; separated),
repealed_on, replaced_by, source``; dates are ISO ``YYYY-MM-DD``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import DataFileError

COLUMNS = (
    "name",
    "short_names",
    "level",
    "effective",
    "amended_on",
    "repealed_on",
    "replaced_by",
    "source",
)
IN_FORCE, REPEALED, NOT_YET = "in_force", "repealed", "not_yet_in_force"
STATUS_NAMES = {IN_FORCE: "现行有效", REPEALED: "已废止", NOT_YET: "尚未施行"}

_PREFIX = re.compile(r"^中华人民共和国")
_VERSION = re.compile(r"[（(](?:\d{4}年?)?(?:修订|修正|修改|年修订|年修正)?[^（）()]*?[）)]$")


@dataclass(frozen=True)
class Law:
    """One row of the status table."""

    name: str
    short_names: tuple[str, ...]
    level: str
    effective: date | None
    amended_on: tuple[date, ...]
    repealed_on: date | None
    replaced_by: str | None
    source: str

    def status_on(self, day: date) -> str:
        """:data:`IN_FORCE`, :data:`REPEALED` or :data:`NOT_YET` on ``day``."""
        if self.repealed_on is not None and day >= self.repealed_on:
            return REPEALED
        if self.effective is not None and day < self.effective:
            return NOT_YET
        return IN_FORCE

    def amended_between(self, start: date, end: date) -> list[date]:
        """Amendments that took effect after ``start`` and on or before ``end``."""
        return [d for d in self.amended_on if start < d <= end]


@lru_cache(maxsize=4096)
def normalize_law_name(name: str) -> str:
    """The form names are matched in: no 《》, spaces, 中华人民共和国 prefix or version suffix
    such as （2021年修订）. ``企业破产法（试行）`` keeps its （试行）: it is a different law."""
    name = re.sub(r"[\s《》〈〉]", "", name)
    name = _PREFIX.sub("", name)
    if not name.endswith(("（试行）", "(试行)")):
        name = _VERSION.sub("", name)
    return name.replace("(", "（").replace(")", "）")


def _date(value: str, field: str, line: int) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise DataFileError(
            f"法律状态表第{line}行的 {field} 不是日期（{value}）。请写成 YYYY-MM-DD 格式。"
        ) from exc


class LawTable:
    """The rows of a status table, looked up by any of their names."""

    def __init__(self, laws: list[Law]) -> None:
        self.laws = laws
        self._index: dict[str, Law] = {}
        for law in laws:
            for name in (law.name, *law.short_names):
                self._index[normalize_law_name(name)] = law

    def lookup(self, name: str) -> Law | None:
        """The law called ``name`` (full name, short name, with or without 《》), or ``None``."""
        return self._index.get(normalize_law_name(name))

    def __len__(self) -> int:
        return len(self.laws)

    @classmethod
    def from_csv(cls, text: str, origin: str = "lawref.csv") -> LawTable:
        reader = csv.DictReader(io.StringIO(text))
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise DataFileError(
                f"{origin} 的表头应为 {','.join(COLUMNS)}，实际为 {','.join(reader.fieldnames or [])}。"
                "请按此列顺序修正表头。"
            )
        laws = []
        for line, row in enumerate(reader, start=2):
            if not row["name"].strip() or not row["source"].strip():
                raise DataFileError(
                    f"{origin} 第{line}行缺少名称或来源。每一行都必须注明事实来源。"
                )
            amended = tuple(
                d
                for d in (_date(v, "amended_on", line) for v in row["amended_on"].split(";"))
                if d is not None
            )
            laws.append(
                Law(
                    name=row["name"].strip(),
                    short_names=tuple(
                        s.strip() for s in row["short_names"].split("|") if s.strip()
                    ),
                    level=row["level"].strip(),
                    effective=_date(row["effective"], "effective", line),
                    amended_on=amended,
                    repealed_on=_date(row["repealed_on"], "repealed_on", line),
                    replaced_by=row["replaced_by"].strip() or None,
                    source=row["source"].strip(),
                )
            )
        return cls(laws)


@lru_cache(maxsize=1)
def default_table() -> LawTable:
    """The table shipped with the package."""
    text = resources.files("screening").joinpath("data/lawref.csv").read_text(encoding="utf-8")
    return LawTable.from_csv(text)


def load_table(path: Path | None = None) -> LawTable:
    """The table at ``path``, or the shipped one when ``path`` is ``None``."""
    if path is None:
        return default_table()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DataFileError(
            f"无法读取法律状态表 {path}：{exc.strerror or exc}。请检查路径。"
        ) from exc
    return LawTable.from_csv(text, origin=str(path))
