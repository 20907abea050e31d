"""What mediation recorded on a case, read: who may sign as its mediators, what a written
agreement still lacks, the judicial-confirmation window, the return visits due.

Each takes a case or record already read through the user's scope, or the user to scope by.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.disputes import clocks
from fengqiao.disputes.models import (
    Agreement,
    Case,
    JudicialConfirmation,
    MediationSession,
    Party,
    ReturnVisit,
    Signature,
)
from fengqiao.org.models import Person
from fengqiao.org.scope import scope_to


def mediators_of(case: Case):
    """The people who may sign the case's agreement as its mediators: whoever mediated one
    of its sessions (a handler who attended none may not). The only people a signing page
    may name."""
    mediated = MediationSession.objects.filter(case=case).values("mediators")
    return Person.objects.filter(pk__in=mediated)


def parties_of(agreement: Agreement) -> list[Party]:
    """The parties bound by and signing the agreement: those it names, or, for one drafted
    before agreements named their parties, every party of its case."""
    named = list(agreement.parties.all())
    return named or list(agreement.case.parties.all())


def missing_for_effect(agreement: Agreement) -> list[str]:
    """What the written agreement still lacks before it takes effect, in words: each of its
    parties not yet signed (by name), a mediator's signature, the committee's seal. Empty
    when complete, and always empty for an oral agreement."""
    if agreement.oral:
        return []
    # Queried, not read from a prefetch: a signature may have been added since.
    signed_parties = set(
        agreement.signatures.filter(party__isnull=False)
        .exclude(method=Signature.Method.REFUSED)
        .values_list("party_id", flat=True)
    )
    missing = [
        _("当事人%(name)s的签名") % {"name": party.name}
        for party in parties_of(agreement)
        if party.pk not in signed_parties
    ]
    if not agreement.signatures.filter(role=Signature.Role.MEDIATOR).exists():
        missing.append(_("调解员签名"))
    if not agreement.seal_applied:
        missing.append(_("人民调解委员会印章"))
    return missing


@dataclass(frozen=True)
class JudicialWindow:
    """The 30-day window to apply for judicial confirmation, as a page shows it."""

    deadline: dt.date
    days_left: int  # 0 on the last day, negative once passed
    applied: bool

    @property
    def open(self) -> bool:
        return not self.applied and self.days_left >= 0


def judicial_window(agreement: Agreement, today: dt.date | None = None) -> JudicialWindow | None:
    """The judicial-confirmation window of an effective agreement; None before it takes effect."""
    if agreement.effective_on is None:
        return None
    today = today or timezone.localdate()
    return JudicialWindow(
        deadline=clocks.judicial_confirmation_deadline(agreement.effective_on),
        days_left=clocks.judicial_confirmation_days_left(agreement.effective_on, today),
        applied=JudicialConfirmation.objects.filter(agreement=agreement).exists(),
    )


def return_visits_due(user, *, on: dt.date | None = None) -> QuerySet[ReturnVisit]:
    """Pending return visits due on or before ``on`` (default today) in the user's
    jurisdiction, earliest first."""
    on = on or timezone.localdate()
    return (
        scope_to(user, ReturnVisit.objects.select_related("case", "agreement"))
        .filter(done_at__isnull=True, cancelled_at__isnull=True, due_on__lte=on)
        .order_by("due_on", "id")
    )
