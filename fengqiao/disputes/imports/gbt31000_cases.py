"""The case importer for GB/T 31000 exchange files (``gbt31000``): the case import's
checks and writes (``cases.CaseImporter``) with this file's columns mapped to ours, the
parties taken from the people table, and a Fengqiao export's own cases found again.

A file's 事件编号 is, in a file Fengqiao exported, the case's own reference. A code that
is a reference of a case in the actor's jurisdiction names that case: its row is compared
with what the export writes for the case now (the columns the import reads, numbers in
full) and the case is left alone when they agree, updated when not. Any other code makes
a case remembered by (county, "gbt31000", 事件编号), which a later import of the same file
updates or leaves alone like any imported case.
"""

from __future__ import annotations

import json
import re
from typing import NamedTuple

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import taxonomy
from fengqiao.disputes.exchange import LAYOUT as EXPORT
from fengqiao.disputes.exchange import NARRATIVE_MAX
from fengqiao.disputes.imports import mapping
from fengqiao.disputes.imports.cases import PARTIES_HASH, CaseImporter, Existing
from fengqiao.disputes.imports.gbt31000 import GBT31000, STATE, ExchangeFile, open_exchange
from fengqiao.disputes.imports.layouts import KEYS
from fengqiao.disputes.imports.party_text import parties_text
from fengqiao.disputes.models import Case
from fengqiao.registry.exchange import Context
from fengqiao.registry.imports.importer import chunks
from fengqiao.sealing import digest

# Our references: county-year-number.
_REFERENCE = re.compile(r"^\d{6}-\d{4}-\d{6}$")
# The columns whose text decides whether a row differs from its case's export now.
_COMPARED = tuple(column.key for column in GBT31000.columns)
_HEADERS = {column.key: column.label for column in GBT31000.columns}
_PEOPLE = ("姓名", "证件号码", "联系电话")
_SUCCESS = {"1": mapping.AGREEMENT, "0": mapping.FAILED}
_LEVEL_DIFFICULTY = {1: "blue:1", 2: "blue:2", 3: "yellow:3"}


def _labels(kind: str) -> dict[str, object]:
    """Each code, Chinese and English label of a taxonomy list → its code."""
    found: dict[str, object] = {}
    for entry in taxonomy.entries(kind):
        for word in (str(entry["code"]), entry.get("zh"), entry.get("en")):
            if word:
                found[" ".join(str(word).split())] = entry["code"]
    return found


def category_of(text: str) -> str | None:
    return _labels("category").get(text) or mapping.category_of(text)


def difficulty_of(text: str) -> str | None:
    """化解方式 is our level; our risk is not among the data items (lowest for the level)."""
    if not text:
        return mapping.DEFAULT_DIFFICULTY
    return _LEVEL_DIFFICULTY.get(_labels("level").get(text))


def result_of(text: str) -> str | None:
    """The result cell this importer composes: "化解是否成功|事件处理状态"."""
    success, _bar, state = text.partition("|")
    if success in _SUCCESS:
        return _SUCCESS[success]
    if success:
        return None
    return (
        mapping.TRANSFERRED
        if _labels("case_state").get(state) == "transferred"
        else (mapping.PENDING)
    )


DEFAULTS = {"category": category_of, "difficulty": difficulty_of, "result": result_of}


def _squeezed(value) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return " ".join(text.split())


def _fingerprint(values: list, people: list) -> str:
    """A keyed hash of a row as read (or as its case exports now) and of its people."""
    data = [[_squeezed(v) for v in values], sorted([_squeezed(v) for v in p] for p in people)]
    return digest(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


class ExchangeCaseImporter(CaseImporter):
    """``CaseImporter`` for the GB/T 31000 layout; ``open`` reads the people table first."""

    def __init__(self, actor, report, **kwargs) -> None:
        super().__init__(actor, report, layout=GBT31000, **kwargs)
        # The keys this file does not carry are read as empty (no limit to check).
        for key in KEYS:
            self.limits.setdefault(key, 0)
            self.labels.setdefault(key, key)
        self.labels["parties"] = _("涉及人员")
        # The result cell is composed with 事件处理状态 (``check``); an unknown value is
        # named by the mapping as for any layout.
        self.limits["result"] = 48
        self.exchange: ExchangeFile | None = None
        self.read: dict[str, str] = {}  # reference-like code → the row's fingerprint
        self.own: dict[str, _Own] = {}  # a changed case of ours, as it stood

    def open(self, file_obj, filename: str) -> ExchangeFile:
        self.exchange = open_exchange(file_obj, filename)
        # The events table is the file this importer reads (again, when it writes).
        self.source = (self.exchange.events, self.exchange.filename)
        return self.exchange

    def check(self, values: dict) -> None:
        code = " ".join(str(values.get("code", "")).split())
        people = self.exchange.people.get(code, [])
        if _REFERENCE.match(code):
            self.read[code] = _fingerprint([values.get(k, "") for k in _COMPARED], people)
        values = dict(values)
        success = " ".join(str(values.get("result", "")).split())
        values["result"] = f"{success}|{' '.join(str(values.pop(STATE, '')).split())}"
        values["parties"] = parties_text(people)
        super().check(values)

    def _mapped(self, row: int, dimension: str, value: str) -> str | None:
        chosen = self.chosen[dimension]
        if dimension in DEFAULTS and value not in chosen:
            chosen[value] = self.overrides.get(dimension, {}).get(value) or DEFAULTS[dimension](
                value
            )
        return super()._mapped(row, dimension, value)

    def _grid(self, row: int, place: str, summary: str) -> int | None:
        """所属网格 is a grid code: the grid of that code in the jurisdiction, or the
        grid the user chose for it."""
        self.tally["place"][place] += 1
        code = self.overrides.get("place", {}).get(place) or place
        grid = self._grid_by_code(code) if code else None
        self.chosen["place"][place] = grid.code if grid else None
        if grid is None:
            self.error(
                row,
                "place",
                _("所属网格“%(code)s”不存在或不在您的辖区内，请在对照表中指定网格")
                % {"code": code},
            )
            return None
        return grid.pk

    def check_against_database(self) -> None:
        if not self.report.ok:
            return super().check_against_database()
        for code, row in self.exchange.people_rows.items():
            if code not in self.codes:
                self.error(
                    row,
                    "parties",
                    _("涉及人员表第 %(row)d 行的事件编号“%(code)s”在事件表中没有")
                    % {"row": row, "code": code},
                )
        if not self.report.ok:
            return super().check_against_database()
        own = self._own_cases()
        mine = [item for item in self.items if item.code in own]
        self.items = [item for item in self.items if item.code not in own]
        super().check_against_database()
        changed = []
        for item in mine:
            case = own[item.code]
            if not self.scope.covers_region_path(case.scope_path):
                self.error(item.row, "code", _("这个事件编号是您辖区以外的案件，不能导入"))
            elif self.read.get(item.code) == _exported(case):
                self.unchanged += 1
            else:
                key = (timezone.localtime(case.received_at).date(), case.grid_id, case.category)
                parties = (case.source_fields or {}).get(PARTIES_HASH, "")
                self.existing[item.code] = _existing(case.pk, key, parties, case.source_digest)
                self.own[item.code] = _Own.of(case)
                changed.append(item)
        if self.report.ok:
            self.items += changed
        self.report.skipped = self.unchanged
        self._counts()

    def _fields(self, item) -> dict:
        """An update of a case of ours keeps what the file cannot say better: its title,
        its narrative past 2,000 characters, its time of day, and its state and timeline
        dates while the file's outcome is the one it has (a mediating case is not put
        back to accepted because the file has no step between)."""
        fields = super()._fields(item)
        own = self.own.get(item.code)
        if own is None:
            return fields
        if own.narrative[:NARRATIVE_MAX] == item.summary:
            fields |= {"title": own.title, "narrative": own.narrative}
        if (
            timezone.localtime(own.received_at).date()
            == timezone.localtime(item.received_at).date()
        ):
            fields |= {"received_at": own.received_at, "first_action_at": own.first_action_at}
        if own.outcome == _OUTCOMES.get(item.result, ""):
            fields |= {
                "state": own.state,
                "resolved_at": own.resolved_at,
                "closed_at": own.closed_at,
                "risk": own.risk,
                "channel": own.channel,
            }
        return fields

    def _events(self, case_id: int, item, had: frozenset[str], *, created: bool):
        events = super()._events(case_id, item, had, created=created)
        own = self.own.get(item.code)
        if own is not None and own.outcome == _OUTCOMES.get(item.result, ""):
            # Its own timeline stands: only the entry saying the import updated it.
            return events[-1:]
        return events

    def _own_cases(self) -> dict[str, Case]:
        """The cases whose own reference a code is (not a case this layout imported under
        another code, whose new reference may equal some other row's code)."""
        codes = [code for code in self.codes if code in self.read]
        found: dict[str, Case] = {}
        for chunk in chunks(codes):
            cases = (
                Case.objects.unscoped_for_jobs()
                .filter(reference__in=chunk)
                .exclude(Q(source_system=GBT31000.source_system) & ~Q(source_code=F("reference")))
                .select_related("grid", "team", "std_address", "building")
                .prefetch_related("parties__resident", "return_visits", "handlers")
            )
            found |= {case.reference: case for case in cases}
        return found


_EXPORTED = {header: value for header, _key, value in EXPORT.columns}
_EXPORTED_PEOPLE = {header: value for header, _key, value in EXPORT.children[0].columns}
_FULL = Context(places=None, reveal=True)


def _exported(case: Case) -> str:
    """The fingerprint of what the export writes for ``case`` now (numbers in full)."""
    values = [
        _EXPORTED[_HEADERS[key]](case, _FULL) if _HEADERS[key] in _EXPORTED else ""
        for key in _COMPARED
    ]
    people = [
        [_EXPORTED_PEOPLE[header](party, _FULL) for header in _PEOPLE]
        for party in case.parties.all()
    ]
    return _fingerprint(values, people)


_OUTCOMES = {
    mapping.AGREEMENT: "resolved",
    mapping.PARTIAL: "resolved",
    mapping.FAILED: "failed",
    mapping.TRANSFERRED: "transferred",
    mapping.PENDING: "open",
}


class _Own(NamedTuple):
    """What an update keeps of a case of ours (see ``ExchangeCaseImporter._fields``)."""

    title: str
    narrative: str
    received_at: object
    first_action_at: object
    state: str
    resolved_at: object
    closed_at: object
    risk: str
    channel: str
    outcome: str

    @classmethod
    def of(cls, case: Case) -> _Own:
        if case.resolved_at is not None:
            outcome = "resolved"
        elif case.state == "failed" or case.closed_at is not None:
            outcome = "failed"
        elif case.state == "transferred":
            outcome = "transferred"
        else:
            outcome = "open"
        return cls(
            case.title,
            case.narrative,
            case.received_at,
            case.first_action_at,
            case.state,
            case.resolved_at,
            case.closed_at,
            case.risk,
            case.channel,
            outcome,
        )


def _existing(pk, key, parties, old_digest) -> Existing:
    # ``Existing`` may carry the digest its case had when checked (a commit refuses a case
    # changed since); older versions do not.
    extra = {"digest": old_digest or ""} if "digest" in Existing._fields else {}
    return Existing(pk, key, parties, **extra)
