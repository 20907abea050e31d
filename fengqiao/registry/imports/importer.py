"""What every kind's importer shares: errors by row and column, the checked rows kept
for writing, text limits, matching a 住址 to a standard address, progress."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from fengqiao.org.scope import scope_for, scope_to
from fengqiao.registry.imports.columns import COLUMNS, Column
from fengqiao.registry.imports.report import ImportReport
from fengqiao.registry.matching import AddressMatcher
from fengqiao.registry.models import Address, House

Progress = Callable[[int, int | None], None]

PROGRESS_EVERY = 1000
BATCH = 1000
# SQLite allows 999 parameters per statement; an IN list stays below it.
IN_CHUNK = 900


def chunks(items: list, size: int = IN_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def aliases(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Code, Chinese label and English label of each choice → code."""
    found = {code: code for code in choices.values}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            found |= {str(label): code for code, label in choices.choices}
    return found | (extra or {})


class Importer:
    """Checks rows of one kind into compact tuples, then writes them in batches."""

    permission = ""
    kind = ""
    # The audit entry of a committed import, and what a constraint hit at commit means.
    audit_action = "registry.import"
    conflict_message = N_(
        "检查之后有人登记了相同的地址、房屋或代码，本次未导入任何内容，请重新导入"
    )

    def __init__(self, actor, report: ImportReport) -> None:
        self.actor = actor
        self.report = report
        self.scope = scope_for(actor)
        self.labels = {column.key: column.label for column in self.columns()}
        self.limits = {column.key: column.max_length for column in self.columns()}
        self.items: list[tuple] = []
        self.source: tuple[BinaryIO, str] | None = None  # the file and its name, once read
        self._matchers: list[AddressMatcher] | None = None
        self._matched: dict[str, tuple[int | None, str]] = {}

    def error(self, row: int, key: str, message: str) -> None:
        self.report.add_error(row, self.labels.get(key, key), message)
        # Rows are written only when the whole file is clean: stop holding them.
        self.items.clear()

    def keep(self, item: tuple) -> None:
        """Hold a checked row for writing, unless the file already has errors."""
        if self.report.error_count == 0:
            self.items.append(item)

    def errors(self, row: int, found: dict[str, list[str]]) -> None:
        for key, messages in found.items():
            for message in messages:
                self.error(row, key, message)

    def text(self, values: dict, key: str) -> str | None:
        """The column's text squeezed of repeated spaces; None (and an error) when longer
        than the column's ``max_length``."""
        value = " ".join(str(values.get(key, "")).split())
        limit = self.limits[key]
        if limit and len(value) > limit:
            label = self.labels[key]
            self.error(
                values["_row"],
                key,
                _("%(label)s不能超过 %(max)d 个字") % {"label": label, "max": limit},
            )
            return None
        return value

    def address_id(self, values: dict) -> int | None:
        """The standard address the row's 住址 names inside the actor's jurisdiction, or
        None with an error (the closest address as a hint when there is one)."""
        text = str(values.get("address", "")).strip()
        if not text:
            self.error(values["_row"], "address", _("请填写住址"))
            return None
        if text not in self._matched:
            self._matched[text] = self._match(text)
        address_id, suggestion = self._matched[text]
        if address_id is None:
            message = _("住址“%(text)s”不是您辖区内已登记的标准地址") % {"text": text}
            if suggestion:
                message += _("，最接近的是“%(near)s”，请核对") % {"near": suggestion}
            self.error(values["_row"], "address", message)
        return address_id

    def _match(self, text: str) -> tuple[int | None, str]:
        if self._matchers is None:
            roots = ("/",) if self.scope.everything else self.scope.region_paths
            self._matchers = [AddressMatcher(root) for root in roots]
        suggestion = ""
        for matcher in self._matchers:
            found = matcher.match(text)
            if found is not None and found.exact:
                return found.address_id, ""
            if found is not None and not suggestion:
                # A bulk import takes only exact matches; a near one is a hint to fix.
                suggestion = found.full_text
        return None, suggestion

    def address_paths(self, ids: Iterable[int]) -> dict[int, str]:
        """Scope path of each address, read in chunks; only addresses in the scope."""
        paths: dict[int, str] = {}
        interned: dict[str, str] = {}
        queryset = scope_to(self.actor, Address.objects.all())
        for chunk in chunks(sorted(set(ids))):
            for pk, path in queryset.filter(pk__in=chunk).values_list("pk", "scope_path"):
                paths[pk] = interned.setdefault(path, path)
        return paths

    def columns(self) -> tuple[Column, ...]:
        """The file's columns: the kind's template here; another module's layout there."""
        return COLUMNS[self.kind]

    def audit_changes(self) -> dict:
        """What the import's one audit entry adds to the counts (nothing here)."""
        return {}

    def check(self, values: dict) -> None:
        raise NotImplementedError

    def check_against_database(self) -> None:
        """Problems found only by comparing all rows with the database."""

    def write(self, progress: Progress | None) -> dict[str, int]:
        raise NotImplementedError

    def checked(self, progress: Progress | None, done: int, total: int | None) -> None:
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)

    def written(self, progress: Progress | None, done: int) -> None:
        if progress and done % PROGRESS_EVERY < BATCH:
            progress(done, len(self.items))


def existing_houses(address_ids: Iterable[int]) -> dict[tuple[int, str], tuple[int, str]]:
    """(address id, label) → (house id, scope path) of the houses at these addresses."""
    houses: dict[tuple[int, str], tuple[int, str]] = {}
    for chunk in chunks(sorted(set(address_ids))):
        rows = House.objects.filter(address_id__in=chunk).values_list(
            "address_id", "label", "pk", "scope_path"
        )
        houses |= {(address_id, label): (pk, path) for address_id, label, pk, path in rows}
    return houses
