"""The demo's reports and cases: consistent with the county's places, people and rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count
from django.utils import timezone

from fengqiao import taxonomy
from fengqiao.analytics import facts
from fengqiao.analytics.models import MEASURES, DailyFact
from fengqiao.disputes.models import Case, CaseEvent, CaseSequence
from fengqiao.disputes.rules import TRANSITIONS
from fengqiao.intake.models import Report

CATEGORIES = set(taxonomy.codes("category"))
FACT_COLUMNS = ("day", "grid_id", "category", "level", *MEASURES)

pytestmark = pytest.mark.usefixtures("demo_county")


@pytest.fixture
def db_access(db):
    return db


def test_there_are_cases_in_many_states_grades_and_levels(db_access):
    assert Case.objects.count() > 20
    assert set(Case.objects.values_list("risk", flat=True)) == {"red", "yellow", "blue"}
    assert len(set(Case.objects.values_list("state", flat=True))) >= 4
    assert Report.objects.exclude(kind="dispute").exists()


def test_every_timeline_runs_by_legal_moves_from_intake_to_the_present_state(db_access):
    for case in Case.objects.prefetch_related("events")[:200]:
        events = list(case.events.all())
        assert events[0].kind == "received"
        state = "received"
        for event in events[1:]:
            if event.kind not in TRANSITIONS:
                # A record on the case (a hand-off, a session), not a move: the state stays.
                assert event.to_state in ("", state), (case.reference, event.kind, state)
                continue
            sources, target = TRANSITIONS[event.kind]
            assert state in sources, (case.reference, event.kind, state)
            state = target or state
            assert event.at >= events[0].at
        assert state == case.state, case.reference


def test_cases_sit_in_their_reports_grid_and_have_handlers_there(db_access):
    for case in Case.objects.select_related("report", "grid")[:200]:
        assert case.report.grid_id == case.grid_id
        assert case.scope_path == case.grid.path
    with_handlers = Case.objects.annotate(n=Count("handlers")).filter(n__gt=0).count()
    assert with_handlers >= 0.9 * Case.objects.count()


def test_reference_numbers_are_unique_and_the_sequence_continues_after_them(db_access):
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references))
    for sequence in CaseSequence.objects.all():
        issued = Case.objects.filter(
            reference__startswith=f"{sequence.county_code}-{sequence.year}-"
        ).count()
        assert sequence.last == issued
    assert CaseEvent.objects.count() >= Case.objects.count()


def test_cases_past_an_agreement_have_an_effective_signed_agreement(db_access):
    from fengqiao.disputes.models import Agreement

    for case in Case.objects.filter(state__in=["agreement", "follow_up"]):
        agreement = Agreement.objects.get(case=case)
        assert agreement.effective_on is not None and agreement.seal_applied
        signed = set(agreement.signatures.filter(role="party").values_list("party", flat=True))
        assert signed == set(case.parties.values_list("pk", flat=True))
        assert agreement.signatures.filter(role="mediator").exists()
    assert Case.objects.filter(state="follow_up", return_visits__isnull=False).exists() or not (
        Case.objects.filter(state="follow_up").exists()
    )


def test_the_last_two_months_of_reports_show_what_triage_read_and_older_ones_do_not(db_access):
    now = timezone.now()
    recent = Report.objects.filter(created_at__gte=now - dt.timedelta(days=59))
    assert recent.exists()
    assert not recent.filter(triage__isnull=True).exists()
    for report in recent[:20]:
        assert report.triage["category"] in CATEGORIES
    assert Report.objects.filter(created_at__lt=now - dt.timedelta(days=61), triage__isnull=True)


def test_the_figures_are_built_once_at_the_end_and_match_a_rebuild(db_access):
    kept = sorted(DailyFact.objects.values_list(*FACT_COLUMNS))
    assert kept
    facts.rebuild()
    assert sorted(DailyFact.objects.values_list(*FACT_COLUMNS)) == kept
