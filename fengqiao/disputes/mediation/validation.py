"""What the mediation services refuse before they write, as messages naming the field:
checks over the values passed in and the records already read, no writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import taxonomy
from fengqiao.disputes import clocks
from fengqiao.disputes.mediation.selectors import mediators_of, parties_of
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


def refused_in_state(case: Case, what: str) -> str:
    return _("%(what)s（当前状态：%(state)s）") % {
        "what": what,
        "state": taxonomy.label("case_state", case.state),
    }


def check_open_for_signing(agreement: Agreement, errors: dict[str, str]) -> None:
    if agreement.oral:
        errors["agreement"] = _("口头协议无需签名盖章，达成之日即生效")
    elif agreement.effective_on is not None:
        errors["agreement"] = _("协议已于 %(day)s 生效，不能再修改签署") % {
            "day": agreement.effective_on
        }
    elif agreement.refused_on is not None:
        errors["agreement"] = _("有当事人于 %(day)s 拒绝签字，这份协议不会生效，请重新制作协议") % {
            "day": agreement.refused_on
        }


def clean_agreement_parties(case: Case, parties, errors: dict) -> list[Party]:
    """The parties an agreement binds: every party of the case when none are named, else
    the named ones, each of this case, at least two."""
    own = list(case.parties.all())
    if parties is None:
        chosen = own
    else:
        chosen = list(dict.fromkeys(parties))
        if any(not isinstance(p, Party) or p.case_id != case.pk for p in chosen):
            errors["parties"] = _("协议当事人必须是本案当事人")
            return []
    if len(chosen) < 2:
        errors["parties"] = _("调解协议至少要有两方当事人，请先在“当事人”中登记对方当事人")
    return chosen


def check_ruling(ruling: str, ruling_on, applied_on, errors: dict[str, str]) -> None:
    if ruling not in JudicialConfirmation.Ruling.values:
        errors["ruling"] = _("裁定结果只能是审查中、确认有效或驳回申请")
    elif ruling == JudicialConfirmation.Ruling.PENDING:
        if ruling_on is not None:
            errors["ruling_on"] = _("尚未裁定时不填写裁定日期")
    elif ruling_on is None:
        errors["ruling_on"] = _("请填写裁定日期")
    elif ruling_on > timezone.localdate():
        errors["ruling_on"] = _("裁定日期不能晚于今天")
    elif applied_on is not None and ruling_on < applied_on:
        errors["ruling_on"] = _("裁定日期不能早于申请日期")


def clean_terms(
    case: Case, terms: Sequence[dict], parties: Sequence[Party] | None = None
) -> tuple[list[dict], list[str]]:
    """The terms as model fields, and one message per problem naming the term's number.
    An obligor must be one of ``parties`` (the agreement's; default the case's)."""
    bound = {p.pk for p in parties} if parties is not None else None
    rows: list[dict] = []
    problems: list[str] = []
    if not terms:
        return rows, [_("请至少填写一项协议内容")]
    known = {"obligation", "obligor", "amount", "manner", "place", "deadline"}
    for number, term in enumerate(terms, start=1):

        def problem(message: str, number: int = number) -> None:
            problems.append(_("第%(n)d项：%(message)s") % {"n": number, "message": message})

        unknown = set(term) - known
        if unknown:
            raise TypeError(f"unknown term fields: {sorted(unknown)}")
        obligation = str(term.get("obligation") or "").strip()
        if not obligation:
            problem(_("请填写协议内容"))
        obligor = term.get("obligor")
        if obligor is not None and (not isinstance(obligor, Party) or obligor.case_id != case.pk):
            problem(_("履行义务人必须是本案当事人"))
        elif obligor is not None and bound is not None and obligor.pk not in bound:
            problem(_("履行义务人%(name)s不是这份协议的当事人") % {"name": obligor.name})
        amount = term.get("amount")
        if amount is not None and amount != "":
            try:
                amount = Decimal(str(amount)).quantize(Decimal("0.01"))
            except InvalidOperation:
                problem(_("金额必须是数字"))
                amount = None
            else:
                if amount < 0:
                    problem(_("金额不能为负数"))
        else:
            amount = None
        deadline = term.get("deadline")
        if deadline is not None and not isinstance(deadline, dt.date):
            problem(_("履行期限必须是日期"))
        rows.append(
            {
                "obligation": obligation,
                "obligor": obligor,
                "amount": amount,
                "manner": str(term.get("manner") or "").strip(),
                "place": str(term.get("place") or "").strip(),
                "deadline": deadline,
            }
        )
    return rows, problems


def check_session(
    held_at,
    place: str,
    mediators: list,
    record: str,
    outcome: str,
    failure_reason: str,
    *,
    errors: dict[str, str],
) -> None:
    """A session's own fields: when (aware, not in the future), where, who, what, how it ended."""
    if outcome not in MediationSession.Outcome.values:
        errors["outcome"] = _("请选择调解结果：达成一致、继续调解或调解不成")
    if held_at is None or timezone.is_naive(held_at):
        errors["held_at"] = _("请填写调解时间（含时区）")
    elif held_at > timezone.now():
        errors["held_at"] = _("调解时间不能晚于现在")
    if not place.strip():
        errors["place"] = _("请填写调解地点")
    if not mediators:
        errors["mediators"] = _("请至少选择一名调解员")
    if not record.strip():
        errors["record"] = _("请填写调解记录")
    if outcome == MediationSession.Outcome.FAILED and not failure_reason.strip():
        errors["failure_reason"] = _("调解不成必须说明原因")


def check_signer(agreement: Agreement, case: Case, signer, errors: dict[str, str]) -> dict:
    """A party of the case or one of its mediators, not yet signed; the signature's fields."""
    if isinstance(signer, Party):
        row = {"role": Signature.Role.PARTY, "party": signer}
        if signer.case_id != case.pk:
            errors["signer"] = _("%(name)s 不是本案当事人") % {"name": signer.name}
        elif signer.pk not in {p.pk for p in parties_of(agreement)}:
            errors["signer"] = _("%(name)s 不是这份协议的当事人") % {"name": signer.name}
        elif agreement.signatures.filter(party=signer).exists():
            errors["signer"] = _("%(name)s 已经签署") % {"name": signer.name}
    elif isinstance(signer, Person):
        row = {"role": Signature.Role.MEDIATOR, "person": signer}
        if not mediators_of(case).filter(pk=signer.pk).exists():
            errors["signer"] = _("%(name)s 没有主持过本案的调解，不能作为调解员签名") % {
                "name": signer.name
            }
        elif agreement.signatures.filter(person=signer).exists():
            errors["signer"] = _("%(name)s 已经签署") % {"name": signer.name}
    else:
        raise TypeError("signer must be a Party or a Person")
    return row


def check_application(agreement: Agreement, court: str, applied_on, errors: dict[str, str]) -> None:
    """One application per effective agreement, to a named court, within its 30 days."""
    if agreement.effective_on is None:
        errors["agreement"] = _("协议尚未生效，不能申请司法确认")
    elif JudicialConfirmation.objects.filter(agreement=agreement).exists():
        errors["agreement"] = _("这份协议已登记司法确认申请，请登记裁定结果")
    if not court.strip():
        errors["court"] = _("请填写受理法院")
    if applied_on is None:
        errors["applied_on"] = _("请填写申请日期")
    elif applied_on > timezone.localdate():
        errors["applied_on"] = _("申请日期不能晚于今天")
    elif agreement.effective_on is not None:
        deadline = clocks.judicial_confirmation_deadline(agreement.effective_on)
        if applied_on < agreement.effective_on:
            errors["applied_on"] = _("申请日期不能早于协议生效日期")
        elif applied_on > deadline:
            errors["applied_on"] = _(
                "已超过司法确认申请期限：应在协议生效之日起三十日内（%(deadline)s 前）共同申请"
            ) % {"deadline": deadline.isoformat()}


def check_visit(
    visit: ReturnVisit, method: str, outcome: str, performance: str, visited_at, errors: dict
) -> None:
    """A pending visit, how it was made, what it found, not in the future."""
    if not visit.pending:
        errors["visit"] = _("这次回访已经登记或已取消")
    if method not in ReturnVisit.Method.values:
        errors["method"] = _("回访方式只能是电话回访或上门回访")
    if outcome not in ReturnVisit.Outcome.values:
        errors["outcome"] = _("请选择回访结果：已化解、部分履行或矛盾反复")
    if not performance.strip():
        errors["performance"] = _("请填写协议履行情况")
    if visited_at > timezone.now():
        errors["visited_at"] = _("回访时间不能晚于现在")
