"""Checking and writing the rows of a case file: each row's fields parsed, its categories,
result, source, difficulty, team and place mapped to ours, its parties split and checked;
on commit, new cases with their history dated from the file, and the cases an earlier
import made (same system, county and 案件编码) updated when their row changed.

An unchanged row changes nothing: its digest (the row as read plus what it maps to) is
kept on the case, so running the same file again writes no case, event or party.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from fengqiao.disputes import references, rules, services
from fengqiao.disputes.imports import mapping
from fengqiao.disputes.imports.history import events_for, outcome_fields
from fengqiao.disputes.imports.layouts import KEPT, Layout
from fengqiao.disputes.imports.party_text import PartyText, parties_text, split_parties
from fengqiao.disputes.models import Case, CaseEvent, Party
from fengqiao.org.models import Team
from fengqiao.org.scope import scope_to
from fengqiao.places.models import Region
from fengqiao.places.text_locate import place_names
from fengqiao.registry import selectors as registry
from fengqiao.registry.imports.importer import BATCH, Importer, Progress, chunks
from fengqiao.registry.imports.reading import read_table
from fengqiao.registry.imports.report import ImportReport
from fengqiao.sealing import digest

MAX_AMOUNT = Decimal("1000000000000")
PARTIES_HASH = "parties_hash"
_AMOUNT = re.compile(r"^(-?\d+(?:\.\d+)?)(万)?(元)?$")
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
    "%Y年%m月%d日",
    "%Y年%m月%d日 %H:%M",
)


class Row(NamedTuple):
    """One checked row, all the commit needs (a batch of them at a time: ``Held``)."""

    row: int
    code: str
    received_at: dt.datetime
    mediated_at: dt.datetime | None
    summary: str
    category: str
    result: str
    risk: str
    level: int
    channel: str
    team_id: int | None
    grid_id: int
    parties: tuple[PartyText, ...]
    amount: Decimal | None
    kept: tuple[str, ...]  # the KEPT columns as written, and the parties' hash
    digest: str


class Held(NamedTuple):
    """What is held of a checked row until the commit, which reads the row again in full:
    a tenth of a ``Row``, so that a 100,000-row file fits in the memory it is allowed."""

    row: int
    code: str
    grid_id: int
    received_at: dt.datetime
    digest: str


class Existing(NamedTuple):
    """A case an earlier import made from the same code, as it stands."""

    pk: int
    key: tuple[dt.date, int, str]  # its facts' key before this import
    parties_text: str
    digest: str  # its row's digest when checked


class CaseImporter(Importer):
    kind = "cases"
    audit_action = "disputes.cases_imported"
    conflict_message = N_("检查之后有人导入了相同编码的案件，本次未导入任何内容，请重新检查后导入")

    def __init__(
        self,
        actor,
        report: ImportReport,
        *,
        layout: Layout,
        overrides: dict[str, dict[str, str]] | None = None,
        exclude_unresolved: bool = False,
    ) -> None:
        self.layout = layout
        super().__init__(actor, report)
        self.overrides = overrides or {}
        self.exclude_unresolved = exclude_unresolved
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.tally: dict[str, Counter] = {d.key: Counter() for d in mapping.DIMENSIONS}
        self.chosen: dict[str, dict[str, str | None]] = {d.key: {} for d in mapping.DIMENSIONS}
        self.codes: dict[str, int] = {}
        self.grids: dict[int, Region] = {}
        self.grid_codes: dict[str, Region | None] = {}
        self.places: dict[str, int | None] = {}
        self.teams: dict[str, int | None] = {}
        self.excluded: list[tuple[int, str]] = []
        self.existing: dict[str, Existing] = {}
        self.unchanged = 0
        self._names = None
        self._strings: dict[str, str] = {}
        self._routes: dict[tuple[int, int], list[int]] = {}
        self._again: list[Row] | None = None  # rows read again for writing (``_rows_again``)
        self._digests: dict[int, str] = {}

    def columns(self):
        return self.layout.columns

    # --- checking one row ----------------------------------------------------------------

    def check(self, values: dict) -> None:
        row = values["_row"]
        texts = {key: self.text(values, key) for key in self.layout.keys if key in self.limits}
        if any(value is None for value in texts.values()):
            return  # a cell over its limit, reported
        code = texts["code"]
        if not code:
            self.error(row, "code", _("请填写案件编码"))
        else:
            first = self.codes.setdefault(code, row)
            if first != row:
                self.error(row, "code", _("案件编码与第 %(row)d 行重复") % {"row": first})
        received = self._moment(values, "received_at", required=True)
        mediated = self._moment(values, "mediated_at", required=False)
        if received and mediated and mediated < received:
            self.error(row, "mediated_at", _("调解时间不能早于受理时间"))
        if not texts["summary"]:
            self.error(row, "summary", _("请填写纠纷简要情况"))
        amount = self._amount(values)
        category = self._mapped(row, "category", texts["category"])
        result = self._mapped(row, "result", texts["result"])
        source = self._mapped(row, "source", texts["source"])
        difficulty = self._mapped(row, "difficulty", texts["difficulty"])
        team_id = self._team(row, texts["organisation"], texts["studio"])
        if result and result != mapping.PENDING and received and not mediated:
            self.error(row, "mediated_at", _("有调解结果时请填写调解时间"))
        parties, problems = split_parties(texts["parties"])
        for problem in problems:
            self.error(row, "parties", problem)
        grid_id = self._grid(row, texts["place"], texts["summary"])
        if self.report.error_count or None in (code, received, category, result, source):
            return
        if difficulty is None or grid_id is None or problems or amount is False:
            return
        risk, level = difficulty.split(":")
        # The parties as read, written canonically and hashed: a re-import that writes the
        # same people differently (an export of ours) is the same row, and no number is
        # kept in the clear outside the parties' sealed fields.
        kept = tuple(self._interned(texts[key]) for key in KEPT)
        kept += (_short_hash(parties_text(parties)),)
        item = Row(
            row,
            code,
            received,
            mediated,
            texts["summary"],
            category,
            result,
            risk,
            int(level),
            source,
            team_id,
            grid_id,
            tuple(parties),
            amount,
            kept,
            "",
        )
        self.keep(item._replace(digest=_digest(self.layout.code, item)))

    def keep(self, item: Row) -> None:
        if self._again is None:
            super().keep(Held(item.row, item.code, item.grid_id, item.received_at, item.digest))
        elif self._digests.get(item.row) != item.digest:
            raise RuntimeError(f"row {item.row} of the case file changed after its check")
        else:
            self._again.append(item)

    def error(self, row: int, key: str, message: str) -> None:
        if self._again is not None:
            raise RuntimeError(f"row {row} of the case file changed after its check")
        super().error(row, key, message)

    def _interned(self, text: str) -> str:
        # The kept columns repeat a few values over 100,000 rows: hold each once.
        return self._strings.setdefault(text, text) if len(text) <= 40 else text

    def _moment(self, values: dict, key: str, *, required: bool) -> dt.datetime | None:
        value = values.get(key, "")
        row = values["_row"]
        if value in ("", None):
            if required:
                self.error(row, key, _("请填写%(label)s") % {"label": self.labels[key]})
            return None
        moment = _parse_moment(value)
        if moment is None:
            self.error(
                row,
                key,
                _("%(label)s“%(text)s”不是有效的日期，请写成 2024-03-01 或 2024-03-01 09:30")
                % {"label": self.labels[key], "text": str(value)[:40]},
            )
            return None
        if timezone.localtime(moment).date() > self.today:
            self.error(row, key, _("%(label)s不能晚于今天") % {"label": self.labels[key]})
            return None
        if moment.year < 1980:
            self.error(row, key, _("%(label)s早于 1980 年，请核对") % {"label": self.labels[key]})
            return None
        return moment

    def _amount(self, values: dict) -> Decimal | None | bool:
        text = "".join(str(values.get("amount", "")).split()).replace(",", "").replace("，", "")
        if not text:
            return None
        found = _AMOUNT.match(text)
        try:
            amount = Decimal(found[1]) * (10000 if found[2] else 1) if found else None
        except InvalidOperation:
            amount = None
        if amount is None or amount < 0 or amount >= MAX_AMOUNT:
            self.error(
                values["_row"],
                "amount",
                _("调解协议金应是不小于 0 的金额（元），如 12000 或 1.2万"),
            )
            return False
        return amount.quantize(Decimal("0.01"))

    def _mapped(self, row: int, dimension: str, value: str) -> str | None:
        """Our code for ``value`` in ``dimension`` (the user's choice, else the default
        rule), counted for the mapping table; an error on the row when there is none."""
        self.tally[dimension][value] += 1
        chosen = self.chosen[dimension]
        if value not in chosen:
            override = self.overrides.get(dimension, {}).get(value)
            chosen[value] = override or mapping.DEFAULTS[dimension](value)
        code = chosen[value]
        if code is None:
            label = self.labels[mapping.BY_KEY[dimension].columns[0]]
            self.error(
                row,
                mapping.BY_KEY[dimension].columns[0],
                _("未知的%(label)s“%(value)s”，请在对照表中指定对应的本系统选项")
                % {"label": label, "value": value},
            )
        return code

    def _team(self, row: int, organisation: str, studio: str) -> int | None:
        value = " / ".join(part for part in (organisation, studio) if part)
        if not value:
            return None
        self.tally["team"][value] += 1
        if value not in self.teams:
            override = self.overrides.get("team", {}).get(value)
            self.teams[value] = self._team_named(override or studio or organisation, override)
            self.chosen["team"][value] = str(self.teams[value] or "")
        team_id = self.teams[value]
        if team_id is None and self.overrides.get("team", {}).get(value):
            self.error(
                row,
                "organisation",
                _("对照表为“%(value)s”指定的调解团队不存在或不在您的辖区内") % {"value": value},
            )
        return team_id

    def _team_named(self, name_or_id: str, override: str | None) -> int | None:
        """A team inside the actor's jurisdiction: the one chosen (its id) or the only
        one with this exact name; an organisation we do not have leaves the case without."""
        teams = scope_to(self.actor, Team.objects.all())
        if override:
            # Typed on the form: "²" passes isdigit() and fails int(); 30 digits overflow.
            is_id = override.isascii() and override.isdigit() and len(override) <= 9
            found = teams.filter(pk=int(override)) if is_id else teams.none()
        else:
            found = teams.filter(name=name_or_id)
        ids = list(found.values_list("pk", flat=True)[:2])
        return ids[0] if len(ids) == 1 else None

    def _grid(self, row: int, place: str, summary: str) -> int | None:
        """The grid of the row's 行政区划 (the user's choice, else the one grid the text
        names, else the one grid the text with the summary names); never a guess."""
        self.tally["place"][place] += 1
        override = self.overrides.get("place", {}).get(place)
        if override:
            grid = self._grid_by_code(override)
            self.chosen["place"][place] = override
            if grid is None:
                self.error(
                    row,
                    "place",
                    _("对照表为“%(place)s”指定的网格编码 %(code)s 不存在或不在您的辖区内")
                    % {"place": place, "code": override},
                )
                return None
            return grid.pk
        if place not in self.places:
            self.places[place] = self._locate(place)
            grid = self.grids.get(self.places[place] or 0)
            self.chosen["place"][place] = grid.code if grid else None
        grid_id = self.places[place]
        if grid_id is None and place and summary:
            grid_id = self._locate(f"{place} {summary}")
        if grid_id is None:
            message = _(
                "行政区划“%(place)s”不能确定到一个网格，请在对照表中指定网格，或排除这些行"
            ) % {"place": place}
            if self.exclude_unresolved:
                self.excluded.append((row, message))
            else:
                self.error(row, "place", message)
            return None
        if not self.scope.covers_region_path(self.grids[grid_id].path):
            self.error(row, "place", _("行政区划“%(place)s”不在您的辖区内") % {"place": place})
            return None
        return grid_id

    def _locate(self, text: str) -> int | None:
        if not text:
            return None
        if self._names is None:
            self._names = place_names()
        hit = self._names.find(text)
        if hit.grid_id is None:
            return None
        if hit.grid_id not in self.grids:
            self.grids[hit.grid_id] = Region.objects.defer("boundary").get(pk=hit.grid_id)
        return hit.grid_id

    def _grid_by_code(self, code: str) -> Region | None:
        if code not in self.grid_codes:
            grid = Region.objects.defer("boundary").filter(level="grid", code=code).first()
            if grid is not None and not self.scope.covers_region_path(grid.path):
                grid = None
            self.grid_codes[code] = grid
            if grid is not None:
                self.grids[grid.pk] = grid
        return self.grid_codes[code]

    # --- against the database ------------------------------------------------------------

    def check_against_database(self) -> None:
        """The cases earlier imports made from these codes: in the actor's jurisdiction
        they are updated (or left alone when their row is unchanged); elsewhere the row is
        an error."""
        if not self.report.ok:
            self._counts()
            return
        self.existing = {}
        keep: list[Row] = []
        seen: dict[tuple[str, str], tuple] = {}
        for chunk in chunks(list(self.codes)):
            rows = Case.objects.unscoped_for_jobs().filter(
                source_system=self.layout.source_system, source_code__in=chunk
            )
            for found in rows.values_list(
                "pk",
                "source_code",
                "source_county",
                "source_digest",
                "scope_path",
                "received_at",
                "grid_id",
                "category",
                f"source_fields__{PARTIES_HASH}",
            ):
                seen[(found[1], found[2])] = found
        for item in self.items:
            county = services.county_code_of(self.grids[item.grid_id])
            found = seen.get((item.code, county))
            if found is None:
                keep.append(item)
                continue
            pk, _code, _county, old_digest, path, received_at, grid_id, category, parties = found
            if not self.scope.covers_region_path(path):
                self.error(item.row, "code", _("这个案件编码已被您辖区以外的案件使用，不能导入"))
                continue
            if old_digest == item.digest:
                self.unchanged += 1
                continue
            key = (timezone.localtime(received_at).date(), grid_id, category)
            self.existing[item.code] = Existing(pk, key, parties or "", old_digest)
            keep.append(item)
        if self.report.ok:
            self.items = keep
        self.report.skipped = self.unchanged
        self._counts()

    def _counts(self) -> None:
        updated = len(self.existing)
        self.report.counts = {
            "created": len(self.items) - updated,
            "updated": updated,
            "unchanged": self.unchanged,
            "excluded": len(self.excluded),
        }

    # --- writing -------------------------------------------------------------------------

    def write(self, progress: Progress | None) -> dict[str, int]:
        from fengqiao.disputes.imports import cases_imported

        keys: set[tuple[dt.date, int, str]] = set()
        self._lock_unchanged_since_checked()
        new = [item for item in self.items if item.code not in self.existing]
        numbers = self._references(new)
        created = len(new)
        del new
        done = 0
        for batch in self._rows_again():
            fresh = [item for item in batch if item.code not in self.existing]
            if fresh:
                self._create(fresh, numbers, keys)
            changed = [item for item in batch if item.code in self.existing]
            if changed:
                self._update(changed, keys)
            done += len(batch)
            self.written(progress, done)
        cases_imported.send(sender=CaseImporter, keys=frozenset(keys))
        return {"created": created, "updated": len(self.items) - created}

    def _rows_again(self) -> Iterator[list[Row]]:
        """The held rows in full, a batch at a time: the file (``source``, which the check
        read) read and checked again, each row's digest matched to the one held. Counts
        for the mapping table are left as the first reading made them."""
        self._digests = {held.row: held.digest for held in self.items}
        tally = {key: Counter(counts) for key, counts in self.tally.items()}
        file_obj, filename = self.source
        file_obj.seek(0)
        self._again = []
        try:
            for values in read_table(self.columns(), file_obj, filename):
                if values["_row"] in self._digests:
                    self.check(values)
                if len(self._again) == BATCH:
                    yield self._again
                    self._again = []
            yield self._again
        finally:
            self._again, self._digests, self.tally = None, {}, tally

    def _create(self, batch: list[Row], numbers: dict, keys: set) -> None:
        cases = [self._new_case(item, numbers) for item in batch]
        Case.objects.bulk_create(cases)
        self._parties(list(zip(cases, batch, strict=True)))
        events = []
        for case, item in zip(cases, batch, strict=True):
            events += self._events(case.pk, item, frozenset(), created=True)
            keys.add(_key(item))
        CaseEvent.objects.bulk_create(events)
        self._route(cases)

    def _lock_unchanged_since_checked(self) -> None:
        """Lock the cases this commit updates, and refuse it (nothing written) when one of
        them changed after the check: the same file committed twice at once would
        otherwise update each case twice. New cases are guarded by the unique code."""
        for chunk in chunks(list(self.existing.values())):
            locked = Case.objects.unscoped_for_jobs().select_for_update()
            now = dict(
                locked.filter(pk__in=[e.pk for e in chunk]).values_list("pk", "source_digest")
            )
            if any(now.get(e.pk) != e.digest for e in chunk):
                # ``run_importer`` answers a conflict with ``conflict_message``.
                raise IntegrityError("an imported case changed after the check")

    def _route(self, cases: list[Case]) -> None:
        """Handlers for the cases still open, as intake routes a case (``handlers_for`` at
        its level from its grid's packages), so an open history case is in someone's
        worklist: worked out once per grid and level, not per case."""
        links = []
        for case in cases:
            if case.state not in rules.OPEN_STATES:
                continue
            route = (case.grid_id, case.level)
            if route not in self._routes:
                place = Case(grid=self.grids[case.grid_id], level=case.level)
                people, _team = services.handlers_for(place, case.level)
                self._routes[route] = [person.pk for person in people]
            links += [
                Case.handlers.through(case_id=case.pk, person_id=person_id)
                for person_id in self._routes[route]
            ]
        Case.handlers.through.objects.bulk_create(links, batch_size=BATCH)

    def _references(self, new: list[Held]) -> dict[tuple[str, int], int]:
        """The first number each county and year gives the new rows, taken from its
        sequence for them all at once: one statement per county and year. The rows take
        the numbers in their order (``_new_case``); a number per row held beforehand would
        cost 100,000 strings."""
        wanted: Counter = Counter(self._reference_key(item) for item in new)
        return {
            (county, year): references.take_references(county, year, count) - count + 1
            for (county, year), count in wanted.items()
        }

    def _reference_key(self, item: Row | Held) -> tuple[str, int]:
        county = services.county_code_of(self.grids[item.grid_id])
        return county, timezone.localtime(item.received_at).year

    def _new_case(self, item: Row, numbers: dict[tuple[str, int], int]) -> Case:
        grid = self.grids[item.grid_id]
        county, year = key = self._reference_key(item)
        number, numbers[key] = numbers[key], numbers[key] + 1
        return Case(
            reference=f"{county}-{year}-{number:06d}",
            scope_path=grid.path,
            **self._fields(item),
        )

    def _fields(self, item: Row) -> dict:
        grid = self.grids[item.grid_id]
        state, resolved_at, closed_at = outcome_fields(item.result, item.mediated_at)
        return {
            "category": item.category,
            "risk": item.risk,
            "level": item.level,
            "state": state,
            "channel": item.channel,
            "title": _title(item.summary),
            "narrative": item.summary,
            "grid_id": grid.pk,
            "team_id": item.team_id,
            "received_at": item.received_at,
            "first_action_at": item.received_at,
            "resolved_at": resolved_at,
            "closed_at": closed_at,
            "source_system": self.layout.source_system,
            "source_code": item.code,
            "source_county": services.county_code_of(grid),
            "source_digest": item.digest,
            "source_fields": dict(zip((*KEPT, PARTIES_HASH), item.kept, strict=True)),
            "imported_at": self.now,
            "agreement_amount": item.amount,
        }

    def _events(self, case_id: int, item: Row, had: frozenset[str], *, created: bool):
        receiver = item.kept[KEPT.index("receiver")]
        events = [
            CaseEvent(case_id=case_id, **fields)
            for fields in events_for(item.result, item.received_at, item.mediated_at, receiver)
            if fields["kind"] not in had
        ]
        events.append(
            CaseEvent(
                case_id=case_id,
                at=self.now,
                actor=self.actor,
                actor_name=services.display_name(self.actor),
                kind="imported" if created else "import_updated",
                payload={
                    "source_system": self.layout.source_system,
                    "source_code": item.code,
                    "file": self.report.filename[:100],
                },
            )
        )
        return events

    def _parties(self, pairs: list[tuple[Case, Row]]) -> None:
        numbers = {p.id_number for _case, item in pairs for p in item.parties if p.id_number}
        residents = registry.resident_ids_by_digest(digest(n) for n in numbers)
        parties = []
        for case, item in pairs:
            for index, text in enumerate(item.parties):
                party = Party(
                    case_id=case.pk,
                    role=Party.Role.APPLICANT if index == 0 else Party.Role.RESPONDENT,
                    kind=Party.Kind.PERSON,
                    name=text.name,
                    scope_path=case.scope_path,
                )
                party.set_phone(text.phone)
                party.set_id_number(text.id_number)
                party.resident_id = residents.get(party.id_hash) if text.id_number else None
                parties.append(party)
        Party.objects.bulk_create(parties, batch_size=BATCH)

    def _update(self, batch: list[Row], keys: set) -> None:
        ids = {self.existing[item.code].pk: item for item in batch}
        had: dict[int, set[str]] = defaultdict(set)
        for case_id, kind in CaseEvent.objects.filter(case_id__in=list(ids)).values_list(
            "case_id", "kind"
        ):
            had[case_id].add(kind)
        cases = []
        for pk, item in ids.items():
            fields = self._fields(item)
            fields.pop("imported_at")
            case = Case(pk=pk, scope_path=self.grids[item.grid_id].path, **fields)
            case.version = F("version") + 1
            cases.append(case)
            keys.add(self.existing[item.code].key)
            keys.add(_key(item))
        names = [
            "scope_path",
            "version",
            *(f for f in self._fields(batch[0]) if f != "imported_at"),
        ]
        Case.objects.bulk_update(cases, names)
        replaced = [
            (case, item)
            for case, item in zip(cases, ids.values(), strict=True)
            if self.existing[item.code].parties_text != item.kept[-1]
        ]
        if replaced:
            Party.objects.filter(case_id__in=[case.pk for case, _item in replaced]).delete()
            self._parties(replaced)
        events = []
        for pk, item in ids.items():
            events += self._events(pk, item, frozenset(had[pk]), created=False)
        CaseEvent.objects.bulk_create(events)
        # A case reopened by its row, or imported before open cases were routed, gets
        # handlers; ones it has (maybe given by hand since) are left alone.
        handled = set(
            Case.handlers.through.objects.filter(case_id__in=list(ids)).values_list(
                "case_id", flat=True
            )
        )
        self._route([case for case in cases if case.pk not in handled])

    def audit_changes(self) -> dict:
        return {
            "layout": self.layout.code,
            "updated": len(self.existing),
            "unchanged": self.unchanged,
            "excluded": [row for row, _message in self.excluded][:1000],
            "mapping": self.overrides,
        }

    def mapping_table(self) -> dict[str, list[dict]]:
        """Each dimension's distinct values as found: count, our choice ("" when none)."""
        table = {}
        for dimension in mapping.DIMENSIONS:
            chosen = self.chosen[dimension.key]
            table[dimension.key] = [
                {"value": value, "count": count, "choice": chosen.get(value) or ""}
                for value, count in self.tally[dimension.key].most_common()
            ]
        return table


def _key(item: Row) -> tuple[dt.date, int, str]:
    return (timezone.localtime(item.received_at).date(), item.grid_id, item.category)


def _title(summary: str) -> str:
    first = re.split(r"[。！？\n]", summary, maxsplit=1)[0].strip()
    return (first or summary)[:60]


def _digest(layout: str, item: Row) -> str:
    """What decides whether a row changed: everything read and everything it maps to."""
    data = [
        layout,
        item.code,
        item.received_at.isoformat(),
        item.mediated_at.isoformat() if item.mediated_at else "",
        item.summary,
        item.category,
        item.result,
        item.risk,
        item.level,
        item.channel,
        item.team_id,
        item.grid_id,
        [list(p) for p in item.parties],
        str(item.amount) if item.amount is not None else "",
        list(item.kept),
    ]
    return _short_hash(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def _short_hash(text: str) -> str:
    # Keyed, as the parties' own number hashes are: the text holds ID numbers, whose few
    # possible values an unkeyed hash would give away.
    return digest(text)


def _iso(text: str) -> dt.datetime | None:
    # The common case first: strptime over every pattern costs half a millisecond a cell.
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _parse_moment(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time.min)
    else:
        text = " ".join(str(value).split())
        moment = _iso(text)
        for pattern in _DATE_FORMATS if moment is None else ():
            try:
                moment = dt.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        if moment is None:
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
