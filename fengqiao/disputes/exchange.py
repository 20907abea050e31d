"""Dispute records in GB/T 31000-2015's data items (矛盾纠纷排查化解, domain-notes §5.1):
one row per case and a second table of the people involved, as a layout of the registry's
exchange files (``registry.exchange``: scoped, audited, numbers masked unless revealed).

Items the notes name without their code lists are written as our labels: 事件类型 (our
category, code and label), 化解方式 (our resolution level), 事件规模 (ASSUMED grades by
the number of people involved: 1 一般 under 10, 2 较大 10-49, 3 重大 50 or more).
性别 is GB/T 2261.1's code (1 男, 2 女, 0 未知). 民族 and 学历 are not recorded here.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from fengqiao import identity, taxonomy
from fengqiao.disputes import selectors
from fengqiao.disputes.models import Case, Party
from fengqiao.privacy import mask_numbers, mask_phone
from fengqiao.registry import exchange
from fengqiao.registry.exchange import ChildTable, Context, Layout

NARRATIVE_MAX = 2000
RESOLVED = "1"
NOT_RESOLVED = "0"
SEX_CODES = {"male": "1", "female": "2"}


def _date(moment) -> str:
    return timezone.localtime(moment).date().isoformat() if moment else ""


def _typed(text: str, ctx: Context) -> str:
    """Words people typed (a title, a narrative, an address, a visit's note) as the file
    carries them: the numbers in them masked like the parties' own, unless revealed."""
    return text if ctx.reveal else mask_numbers(text)


def _people(case: Case) -> list[Party]:
    return list(case.parties.all())


def _scale(case: Case) -> str:
    count = len(_people(case))
    return "1" if count < 10 else "2" if count < 50 else "3"


def _place(case: Case) -> str:
    return case.std_address.full_text if case.std_address else case.address


def _point(case: Case) -> tuple:
    for source in (case.std_address, case.building):
        if source is not None and source.lon is not None:
            return source.lon, source.lat
    return "", ""


def _success(case: Case) -> str:
    if case.resolved_at is not None:
        return RESOLVED
    # A case closed without a resolution (a failed mediation, closed) was not resolved.
    return NOT_RESOLVED if case.state == "failed" or case.closed_at is not None else ""


def _last_visit(case: Case):
    done = [visit for visit in case.return_visits.all() if visit.done_at]
    return max(done, key=lambda visit: visit.done_at) if done else None


def _evaluation(case: Case) -> str:
    visit = _last_visit(case)
    if visit is None:
        return ""
    return "；".join(text for text in (visit.get_outcome_display(), visit.attitude) if text)


def _handler(case: Case):
    handlers = list(case.handlers.all())
    return handlers[0] if handlers else None


def _handler_phone(case: Case, ctx: Context) -> str:
    person = _handler(case)
    phone = getattr(person, "phone", "") if person else ""
    return phone if ctx.reveal else mask_phone(phone)


def _sex(party: Party) -> str:
    if party.kind != Party.Kind.PERSON:
        return ""
    if party.resident_id and party.resident.sex:
        return SEX_CODES.get(party.resident.sex, "0")
    number = party.id_number if party.id_sealed else ""
    if number and len(number) == 18:
        return SEX_CODES.get(identity.sex_of(number), "0")
    return "0"


def _id_number(party: Party, ctx: Context) -> str:
    return party.id_number if ctx.reveal and party.id_sealed else party.id_masked


def _phone(party: Party, ctx: Context) -> str:
    return (
        exchange.national(party.phone) if ctx.reveal and party.phone_sealed else party.phone_masked
    )


def _community_code(case: Case, ctx: Context) -> str:
    return exchange.region_code(ctx.places.at(case.scope_path, "community"))


LAYOUT = Layout(
    N_("矛盾纠纷"),
    "disputes.view_case",
    lambda actor: (
        selectors.cases_for(actor)
        .order_by("received_at", "pk")
        .prefetch_related("parties__resident", "return_visits")
    ),
    ("std_address", "building"),
    (
        ("事件编号", "", lambda c, ctx: c.reference),
        ("事件名称", "", lambda c, ctx: _typed(c.title, ctx)),
        ("事件发生日期", "", lambda c, ctx: _date(c.received_at)),
        ("发生地点", "", lambda c, ctx: _typed(_place(c), ctx)),
        ("事件规模", "", lambda c, ctx: _scale(c)),
        ("事件类型代码", "", lambda c, ctx: c.category),
        ("事件类型", "", lambda c, ctx: taxonomy.label("category", c.category)),
        ("涉及人数", "", lambda c, ctx: len(_people(c))),
        ("事件简述", "", lambda c, ctx: _typed(c.narrative[:NARRATIVE_MAX], ctx)),
        (
            "涉及单位",
            "",
            lambda c, ctx: "、".join(
                p.name for p in _people(c) if p.kind == Party.Kind.ORGANISATION
            ),
        ),
        (
            "主要当事人",
            "",
            lambda c, ctx: next((p.name for p in _people(c) if p.role == "applicant"), ""),
        ),
        ("化解时限", "", lambda c, ctx: _date(getattr(c, "due_at", None))),
        ("化解方式", "", lambda c, ctx: taxonomy.label("level", c.level)),
        ("化解组织", "", lambda c, ctx: c.team.name if c.team else ""),
        ("化解责任人", "", lambda c, ctx: _handler(c).name if _handler(c) else ""),
        ("化解责任人联系方式", "", _handler_phone),
        ("化解是否成功", "", lambda c, ctx: _success(c)),
        # Not among the data items: the day the outcome came, which the case import needs
        # to date a resolved case's history when it reads this file back.
        ("化解日期", "", lambda c, ctx: _date(c.resolved_at or c.closed_at)),
        ("化解情况", "", lambda c, ctx: c.get_state_display()),
        ("考评日期", "", lambda c, ctx: _date(v.done_at) if (v := _last_visit(c)) else ""),
        ("考评意见", "", lambda c, ctx: _typed(_evaluation(c), ctx)),
        ("经度", "", lambda c, ctx: _point(c)[0]),
        ("纬度", "", lambda c, ctx: _point(c)[1]),
        ("事件处理状态", "", lambda c, ctx: c.get_state_display()),
        ("所属网格", "", lambda c, ctx: c.grid.code),
        ("社区居村委会代码", "", _community_code),
    ),
    children=(
        ChildTable(
            N_("涉及人员"),
            _people,
            (
                ("事件编号", "", lambda p, ctx: p.case.reference),
                ("人员类别", "", lambda p, ctx: p.get_role_display()),
                ("当事人类型", "", lambda p, ctx: p.get_kind_display()),
                (
                    "证件类型",
                    "",
                    lambda p, ctx: _("居民身份证") if p.id_masked else "",
                ),
                ("证件号码", "", _id_number),
                ("姓名", "", lambda p, ctx: p.name),
                ("性别", "", lambda p, ctx: _sex(p)),
                ("民族", "", lambda p, ctx: ""),
                ("联系电话", "", _phone),
                ("居住详细地址", "", lambda p, ctx: _typed(p.address, ctx)),
                ("统一社会信用代码", "", lambda p, ctx: p.credit_code),
            ),
        ),
    ),
)


def register() -> None:
    exchange.register("disputes", LAYOUT)
