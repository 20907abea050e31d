"""The case's paperwork: its mediation records as the pages show them, and its printable PDFs.

``records_of`` reads what mediation wrote on a case (already scoped: the case came from
``selectors.get_case_for``). The ``print_*`` functions map those records onto the plain
dataclasses of ``mediation.documents`` and write the audit entry: a printout carries personal
data. ID numbers and phones are printed masked; a print with the full numbers is asked for
with a reason, by someone who may reveal them (``registry.reveal_identity``) inside their
jurisdiction, and the reason goes to the audit entry with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import taxonomy
from fengqiao.audit import services as audit
from fengqiao.disputes.mediation import documents, selectors
from fengqiao.disputes.models import (
    Agreement,
    Case,
    JudicialConfirmation,
    MediationSession,
    Party,
    ReturnVisit,
)
from fengqiao.org.permissions import REVEAL_IDENTITY
from fengqiao.org.scope import in_scope
from fengqiao.registry.services import REVEAL_REASON_MIN

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


def party_info(party: Party, *, full: bool = False) -> documents.PartyInfo:
    """The party as printed: numbers masked unless ``full`` (see ``full_numbers_reason``)."""
    return documents.PartyInfo(
        role=str(party.get_role_display()),
        name=party.name,
        id_number=party.id_number if full else party.id_masked,
        address=party.address,
        phone=party.phone if full else party.phone_masked,
        organisation=party.kind == Party.Kind.ORGANISATION,
        credit_code=party.credit_code,
        representative=party.representative,
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


def full_numbers_reason(*, case: Case, actor, reason: str | None) -> str:
    """The reason for printing full numbers, cleaned, once ``actor`` may reveal them on this
    case; empty for a masked print (``reason`` None). Raises PermissionDenied, or
    ValidationError naming ``reason`` when it is too short to say why."""
    if reason is None:
        return ""
    if not actor.has_perm(REVEAL_IDENTITY) or not in_scope(actor, case):
        raise PermissionDenied(_("没有权限打印完整号码"))
    reason = " ".join(reason.split())
    if len(reason) < REVEAL_REASON_MIN:
        raise ValidationError({"reason": _("请写明打印完整号码的理由（至少 4 个字）")})
    return reason[:200]


def _printed(case: Case, actor, document: str, reason: str) -> None:
    changes = {"document": document}
    if reason:
        changes |= {"full_numbers": True, "reason": reason}
    audit.record(actor=actor, action=PRINTED, obj=case, changes=changes)


def _parties(case: Case, reason: str) -> list[documents.PartyInfo]:
    return [party_info(p, full=bool(reason)) for p in case.parties.all()]


def _agreement_parties(agreement: Agreement, reason: str) -> list[documents.PartyInfo]:
    """The agreement's own parties (a row and a copy each), not every party of the case."""
    return [party_info(p, full=bool(reason)) for p in selectors.parties_of(agreement)]


def print_intake_register(*, case: Case, actor, reason: str | None = None) -> bytes:
    """受理登记表 of the case; the print is audited. With a ``reason``, full numbers (see
    ``full_numbers_reason``)."""
    reason = full_numbers_reason(case=case, actor=actor, reason=reason)
    data = documents.intake_register_pdf(header_of(case), _parties(case, reason))
    _printed(case, actor, "intake", reason)
    return data


def print_agreement(*, case: Case, actor, reason: str | None = None) -> bytes:
    """人民调解协议书 of the case's current agreement; Http404 when it has none."""
    reason = full_numbers_reason(case=case, actor=actor, reason=reason)
    records = records_of(case)
    if records.agreement is None:
        raise Http404(_("本案还没有调解协议"))
    doc = agreement_doc(records.agreement, _agreement_parties(records.agreement, reason), records)
    data = documents.agreement_pdf(doc, header_of(case))
    _printed(case, actor, "agreement", reason)
    return data


def print_case_file(*, case: Case, actor, reason: str | None = None) -> bytes:
    """The whole 卷宗: intake register, every session, the agreement, the visits made."""
    reason = full_numbers_reason(case=case, actor=actor, reason=reason)
    records = records_of(case)
    parties = _parties(case, reason)
    agreement = records.agreement
    data = documents.case_file_pdf(
        header_of(case),
        parties,
        [session_record(s) for s in records.sessions],
        agreement_doc(agreement, _agreement_parties(agreement, reason), records)
        if agreement
        else None,
        [visit_record(v) for v in records.visits if v.done_at is not None],
    )
    _printed(case, actor, "file", reason)
    return data
