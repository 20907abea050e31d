"""The case's paperwork: its mediation records as the pages show them, and its printable PDFs.

``records_of`` reads what mediation wrote on a case (already scoped: the case came from
``selectors.get_case_for``). The ``print_*`` functions map those records onto the plain
dataclasses of ``disputes.documents``, with ID numbers and phones masked unless the reader's
role sees them in full, and write the audit entry: a printout carries personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import taxonomy
from fengqiao.audit import services as audit
from fengqiao.disputes import documents
from fengqiao.disputes.models import (
    Agreement,
    Case,
    JudicialConfirmation,
    MediationSession,
    Party,
    ReturnVisit,
)
from fengqiao.identity import mask_id_number
from fengqiao.org.permissions import SEE_FULL_PHONE
from fengqiao.privacy import mask_phone

PRINTED = "disputes.file_printed"


@dataclass
class CaseRecords:
    """Sessions (oldest first), the current agreement (the latest) and the return visits."""

    sessions: list[MediationSession] = field(default_factory=list)
    agreement: Agreement | None = None
    visits: list[ReturnVisit] = field(default_factory=list)

    @property
    def confirmation(self) -> JudicialConfirmation | None:
        if self.agreement is None:
            return None
        try:
            return self.agreement.judicial_confirmation
        except JudicialConfirmation.DoesNotExist:
            return None


def records_of(case: Case) -> CaseRecords:
    """What mediation recorded on ``case``, with what each page and document needs loaded."""
    sessions = list(case.sessions.prefetch_related("mediators").order_by("held_at", "id"))
    agreement = (
        case.agreements.prefetch_related(
            "terms__obligor", "signatures__party", "signatures__person"
        )
        .order_by("-created_at", "-id")
        .first()
    )
    visits = list(case.return_visits.select_related("visitor").order_by("due_on", "id"))
    return CaseRecords(sessions=sessions, agreement=agreement, visits=visits)


# --- mapping onto documents ------------------------------------------------------------------


def _may_see_full(user) -> bool:
    return user.has_perm(SEE_FULL_PHONE)


def party_info(party: Party, user) -> documents.PartyInfo:
    full = _may_see_full(user)
    id_number = party.id_number if full else mask_id_number(party.id_number or "")
    return documents.PartyInfo(
        role=str(party.get_role_display()),
        name=party.name,
        id_number=id_number if party.id_number else "",
        address=party.address,
        phone=party.phone if full else mask_phone(party.phone),
    )


def header_of(case: Case) -> documents.CaseHeader:
    place = [case.grid.name]
    if case.building_id:
        place.append(case.building.name)
    if case.address:
        place.append(case.address)
    return documents.CaseHeader(
        reference_no=case.reference,
        category=taxonomy.label("category", case.category),
        risk_grade=taxonomy.label("risk", case.risk),
        level=case.level,
        channel=str(case.get_channel_display()),
        received_at=timezone.localtime(case.received_at),
        location=" ".join(place),
        grid=case.grid.name,
        narrative=case.narrative,
        request=case.request,
        handlers=[person.name for person in case.handlers.all()],
    )


def session_record(session: MediationSession) -> documents.SessionRecord:
    attendees = [name for name in session.attendees.replace("，", "、").split("、") if name.strip()]
    return documents.SessionRecord(
        held_at=timezone.localtime(session.held_at),
        place=session.place,
        mediators=[person.name for person in session.mediators.all()],
        attendees=[name.strip() for name in attendees],
        record=session.record,
        outcome=str(session.get_outcome_display()),
        failure_reason=session.failure_reason,
    )


def agreement_doc(
    agreement: Agreement, parties: list[documents.PartyInfo], records: CaseRecords
) -> documents.AgreementDoc:
    confirmation = records.confirmation
    mediators: list[str] = []
    for session in records.sessions:
        mediators += [p.name for p in session.mediators.all() if p.name not in mediators]
    return documents.AgreementDoc(
        agreement_no=agreement.number,
        committee=agreement.committee,
        mediators=mediators,
        parties=parties,
        facts=agreement.facts,
        issues=agreement.issues,
        responsibility=agreement.responsibility,
        terms=[
            documents.AgreementTerm(
                obligation=term.obligation,
                obligor=term.obligor.name if term.obligor_id else "",
                amount=term.amount,
                manner=term.manner,
                place=term.place,
                deadline=term.deadline,
            )
            for term in agreement.terms.all()
        ],
        breach_clause=agreement.breach_clause,
        signatures=[
            (s.signer_name, str(s.get_role_display()), str(s.get_method_display()), s.signed_on)
            for s in agreement.signatures.all()
        ],
        seal_applied=agreement.seal_applied,
        effective_date=agreement.effective_on,
        judicial_confirmation=(
            documents.JudicialConfirmation(
                applied_on=confirmation.applied_on,
                court=confirmation.court,
                ruling=str(confirmation.get_ruling_display()),
                ruling_date=confirmation.ruling_on,
            )
            if confirmation
            else None
        ),
    )


def visit_record(visit: ReturnVisit) -> documents.ReturnVisitRecord:
    return documents.ReturnVisitRecord(
        visited_on=timezone.localtime(visit.done_at),
        visitor=visit.visitor.name if visit.visitor_id else "",
        method=str(visit.get_method_display()),
        attitude=visit.attitude,
        performance=visit.performance,
        outcome=str(visit.get_outcome_display()),
        notes=visit.notes,
    )


# --- printing --------------------------------------------------------------------------------


def _printed(case: Case, actor, document: str) -> None:
    audit.record(actor=actor, action=PRINTED, obj=case, changes={"document": document})


def print_intake_register(*, case: Case, actor) -> bytes:
    """受理登记表 of the case; the print is audited."""
    parties = [party_info(p, actor) for p in case.parties.all()]
    data = documents.intake_register_pdf(header_of(case), parties)
    _printed(case, actor, "intake")
    return data


def print_agreement(*, case: Case, actor) -> bytes:
    """人民调解协议书 of the case's current agreement; Http404 when it has none."""
    records = records_of(case)
    if records.agreement is None:
        raise Http404(_("本案还没有调解协议"))
    parties = [party_info(p, actor) for p in case.parties.all()]
    doc = agreement_doc(records.agreement, parties, records)
    data = documents.agreement_pdf(doc, header_of(case))
    _printed(case, actor, "agreement")
    return data


def print_case_file(*, case: Case, actor) -> bytes:
    """The whole 卷宗: intake register, every session, the agreement, the visits made."""
    records = records_of(case)
    parties = [party_info(p, actor) for p in case.parties.all()]
    agreement = records.agreement
    data = documents.case_file_pdf(
        header_of(case),
        parties,
        [session_record(s) for s in records.sessions],
        agreement_doc(agreement, parties, records) if agreement else None,
        [visit_record(v) for v in records.visits if v.done_at is not None],
    )
    _printed(case, actor, "file")
    return data
