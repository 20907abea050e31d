"""Cases written out in a layout (the 18-column one by default), so that an export read
back by ``import_cases`` finds its own cases: the 案件编码 is the one the case came with (or
our reference), and the values a case was imported with are written as they were while
they still mean what the case holds.

Scoped to the exporting user's jurisdiction, signed (who, when) like the registry's
exports (``registry.exports.write_table``), and audited. Party numbers are masked unless
the user may reveal identities and gives a reason, which the audit entry keeps; a masked
number is refused on import, so only a revealed export goes back in with its numbers.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.disputes.imports import mapping
from fengqiao.disputes.imports.layouts import LAYOUTS, MEDIATION_18
from fengqiao.disputes.imports.party_text import party_text
from fengqiao.disputes.models import Case, Party
from fengqiao.org.scope import scope_to
from fengqiao.registry.exports import CHUNK, Counter, exporter_name, write_table
from fengqiao.triage.mediation import mediation_category

REVEAL_IDENTITY = "registry.reveal_identity"
REVEAL_REASON_MIN = 4
_DIFFICULTY_WORDS = {"blue:1": "简单", "blue:2": "一般", "yellow:2": "一般", "yellow:3": "疑难"}


def export_cases(
    *,
    actor,
    queryset: QuerySet[Case] | None = None,
    layout: str = MEDIATION_18.code,
    reveal_reason: str = "",
    file_format: str = "xlsx",
) -> bytes:
    """The cases of ``queryset`` (all the actor's, by default) inside the actor's
    jurisdiction, one row each in ``layout``. ``reveal_reason`` writes party numbers in
    full (``registry.reveal_identity`` needed); one audit entry ``disputes.cases_exported``
    says how many rows, and the reason when numbers were revealed."""
    if not actor.has_perm("disputes.view_case"):
        raise PermissionDenied(_("没有导出案件的权限"))
    reason = " ".join((reveal_reason or "").split())
    if reason and not actor.has_perm(REVEAL_IDENTITY):
        raise PermissionDenied(_("没有查看完整证件号码的权限"))
    if reveal_reason and len(reason) < REVEAL_REASON_MIN:
        raise ValidationError({"reason": _("请写明导出完整号码的理由（至少 4 个字）")})
    spec = LAYOUTS[layout]
    cases = scope_to(actor, queryset if queryset is not None else Case.objects.all())
    cases = cases.select_related("grid__parent__parent", "team").prefetch_related(
        Prefetch("parties", queryset=Party.objects.order_by("id"))
    )
    counter = Counter()
    content = write_table(
        title=_("纠纷案件"),
        signed_by=exporter_name(actor),
        headers=[column.label for column in spec.columns],
        rows=counter.count(
            [_row(case, full=bool(reason)).get(key, "") for key in spec.keys]
            for case in cases.order_by("received_at", "id").iterator(chunk_size=CHUNK)
        ),
        file_format=file_format,
    )
    changes = {"layout": layout, "rows": counter.rows, "revealed": bool(reason)}
    if reason:
        changes["reason"] = reason[:200]
    audit.record(actor=actor, action="disputes.cases_exported", changes=changes)
    return content


def _row(case: Case, *, full: bool) -> dict[str, str]:
    source = case.source_fields or {}
    grid = case.grid
    township = grid.parent.parent.name if grid.parent and grid.parent.parent else ""
    label = mediation_category(case.category)
    written = source.get("category", "")
    row = {key: source.get(key, "") for key in ("agreement_type", "nature", "special_groups")}
    mediated = case.resolved_at or case.closed_at
    row |= {
        "code": case.source_code or case.reference,
        "source": source.get("source") or str(dict(mapping.choices("source"))[case.channel]),
        "organisation": source.get("organisation") or (case.team.name if case.team else ""),
        "studio": source.get("studio", ""),
        "receiver": source.get("receiver", ""),
        "received_at": _moment(case.received_at),
        "summary": case.narrative,
        "difficulty": source.get("difficulty")
        or _DIFFICULTY_WORDS.get(f"{case.risk}:{case.level}", "重大"),
        # What the case was imported with, while it still maps to the category it holds.
        "category": written if mapping.category_of(written) == case.category else f"{label}纠纷",
        "place": source.get("place") or f"{township}{grid.name}",
        "death": source.get("death", ""),
        "result": source.get("result") or _result(case),
        "mediated_at": _moment(mediated) if mediated else "",
        "parties": "；".join(_party(party, full=full) for party in case.parties.all()),
        "amount": str(case.agreement_amount) if case.agreement_amount is not None else "",
    }
    return row


def _result(case: Case) -> str:
    if case.state == "transferred":
        return "转诉讼"
    if case.resolved_at is not None:
        return "调解成功"
    if case.state == "closed":
        return "调解不成功"
    return ""


def _party(party: Party, *, full: bool) -> str:
    if full:
        return party_text(party.name, party.id_number if party.id_sealed else "", _phone(party))
    return party_text(party.name, party.id_masked, party.phone_masked)


def _phone(party: Party) -> str:
    return party.phone if party.phone_sealed else ""


def _moment(moment) -> str:
    local = timezone.localtime(moment)
    if local.time() == local.time().replace(hour=0, minute=0, second=0, microsecond=0):
        return local.strftime("%Y-%m-%d")
    return local.strftime("%Y-%m-%d %H:%M")
