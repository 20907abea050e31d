"""The mediation part of the case page: what it shows and offers to this reader.

Sessions, the agreement and its signatures, performance, judicial confirmation and return
visits. Each form posts to ``disputes.views.mediation_step``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.disputes import forms, services
from fengqiao.disputes.mediation import forms as mediation_forms
from fengqiao.disputes.mediation import paperwork, selectors
from fengqiao.disputes.models import Case, JudicialConfirmation
from fengqiao.org.models import Person
from fengqiao.org.selectors import people_for

# People with these roles in the reader's jurisdiction may be named as a session's mediators,
# besides the case's handlers, its team and the reader.
MEDIATOR_ROLES = ("mediator", "lawyer", "judicial_officer")
# States in which a session may be recorded (the first one starts mediation).
SESSION_STATES = frozenset({"accepted", "investigating", "failed", "mediating"})


def may_mediate(user, case: Case) -> bool:
    """Whether the user may record mediation on the case: the services' own rule
    (``services.may_take``, posting tier included) for the work ``mediation.services`` guards
    with ``reach_agreement`` (handlers prefetched)."""
    return services.may_take(user, case, "reach_agreement")


def mediator_choices(user, case: Case) -> QuerySet[Person]:
    """Whom a session may name as mediators: handlers, the case's team, people in scope with
    a mediating role, and the reader."""
    ids = {person.pk for person in case.handlers.all()}
    if case.team_id:
        ids |= set(case.team.members.values_list("pk", flat=True))
    ids |= set(people_for(user).filter(roles__code__in=MEDIATOR_ROLES).values_list("pk", flat=True))
    own = getattr(user, "person", None)
    if own is not None:
        ids.add(own.pk)
    return Person.objects.filter(pk__in=ids, active=True).order_by("name", "id")


def _signers(records: paperwork.CaseRecords) -> list[dict]:
    """Who signs the pending agreement: each of its parties, then everyone who mediated one
    of the case's sessions (a handler who attended none is not offered)."""
    agreement = records.agreement
    by_party = {s.party_id: s for s in agreement.signatures.all() if s.party_id}
    by_person = {s.person_id: s for s in agreement.signatures.all() if s.person_id}
    signers = [
        {
            "key": f"party-{party.pk}",
            "name": party.name,
            "role": party.get_role_display(),
            "signature": by_party.get(party.pk),
            "party": True,
        }
        for party in selectors.parties_of(agreement)
    ]
    mediators: list[Person] = []
    for session in records.sessions:
        mediators += [p for p in session.mediators.all() if p not in mediators]
    signers += [
        {
            "key": f"person-{person.pk}",
            "name": person.name,
            "role": _("调解员"),
            "signature": by_person.get(person.pk),
            "party": False,
        }
        for person in mediators
    ]
    return signers


def mediation_context(user, case: Case, failed: tuple[str, str, object] | None) -> dict:
    """The mediation sections: records for every reader, forms for those who may act."""
    records = paperwork.records_of(case)
    agreement = records.agreement
    today = timezone.localdate()

    def form(step: str, target: str, build: Callable[[], object]):
        if failed and failed[0] == step and failed[1] == target:
            return failed[2]
        return build()

    context: dict = {
        "records": records,
        "agreement": agreement,
        "acting": may_mediate(user, case),
        "open_step": f"{failed[0]}-{failed[1]}" if failed else "",
        "visits": [{"visit": v} for v in records.visits],
        "agreement_parties": selectors.parties_of(agreement) if agreement else [],
    }
    pending = (
        agreement
        if agreement is not None and agreement.effective_on is None and not agreement.refused_on
        else None
    )
    effective = agreement if agreement is not None and agreement.effective_on else None
    if effective is not None:
        context["window"] = selectors.judicial_window(effective, today)
        context["terms"] = [{"term": term} for term in effective.terms.all()]
    if not context["acting"]:
        return context

    if case.state in SESSION_STATES:
        now = timezone.localtime().replace(second=0, microsecond=0)
        context["session_form"] = form(
            "session",
            "",
            lambda: forms.SessionForm(
                prefix="session", mediators=mediator_choices(user, case), initial={"held_at": now}
            ),
        )
    if case.state == "mediating" and pending is None:
        context["draft_form"] = form(
            "draft",
            "",
            lambda: mediation_forms.DraftForm(prefix="draft", parties=case.parties.all()),
        )
    if pending is not None and not pending.oral:
        signers = _signers(records)
        for signer in signers:
            if signer["signature"] is None:
                key = signer["key"]
                signer["form"] = form(
                    "sign",
                    key,
                    lambda key=key: mediation_forms.SignForm(
                        prefix=f"sign-{key}", initial={"signed_on": today}
                    ),
                )
                signer["refusing"] = bool(
                    failed
                    and failed[:2] == ("sign", key)
                    and failed[2]["method"].value() == "refused"
                )
        context["signers"] = signers
        context["sign_methods"] = mediation_forms.SIGN_METHODS
        context["missing"] = selectors.missing_for_effect(pending)
        if not pending.seal_applied:
            context["seal_form"] = form(
                "seal", "", lambda: forms.SealForm(prefix="seal", initial={"sealed_on": today})
            )
        context["effect_form"] = form("effect", "", lambda: forms.EffectForm(prefix="effect"))
    if effective is not None:
        confirmation = records.confirmation
        if confirmation is None and context["window"].open:
            context["judicial_form"] = form(
                "judicial",
                "",
                lambda: forms.JudicialForm(prefix="judicial", initial={"applied_on": today}),
            )
        elif (
            confirmation is not None and confirmation.ruling == JudicialConfirmation.Ruling.PENDING
        ):
            context["ruling_form"] = form(
                "ruling",
                "",
                lambda: forms.RulingForm(prefix="ruling", initial={"ruling_on": today}),
            )
        for row in context["terms"]:
            term = row["term"]
            if term.performed_on is None:
                row["open"] = bool(failed and failed[:2] == ("perform", str(term.pk)))
                row["form"] = form(
                    "perform",
                    str(term.pk),
                    lambda term=term: forms.PerformanceForm(
                        prefix=f"perform-{term.pk}", initial={"performed_on": today}
                    ),
                )
    for row in context["visits"]:
        visit = row["visit"]
        if visit.pending:
            row["open"] = bool(failed and failed[:2] == ("visit", str(visit.pk)))
            row["form"] = form(
                "visit",
                str(visit.pk),
                lambda visit=visit: forms.VisitForm(prefix=f"visit-{visit.pk}"),
            )
    # An ended case's page folds its record, but a section with work left for this reader
    # (a term to mark performed, a return visit to record) stays open.
    context["terms_to_do"] = any(row.get("form") for row in context.get("terms", ()))
    context["visits_to_do"] = any(row.get("form") for row in context["visits"])
    return context
