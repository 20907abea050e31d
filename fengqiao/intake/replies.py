"""What the reporter is told: the automatic acknowledgement for each kind of report and each
state it reaches, and the reply templates staff start an answer from.

Plain data, no database: a county that words things differently edits this module (or
translates it); nothing here is a promise the code keeps, so no time limits are quoted.
Placeholders are ``%(code)s`` (the tracking code) and ``%(grid)s`` (the grid's name).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

EMERGENCY_NUMBER = "110"

# Said when a report arrives, by kind.
RECEIVED = {
    "dispute": _(
        "您反映的矛盾纠纷已收到（查询码 %(code)s），已交%(grid)s的调解人员，"
        "他们会与您联系了解情况。"
    ),
    "hazard": _(
        "您反映的安全隐患已收到（查询码 %(code)s），已交%(grid)s的网格员核实处理。"
        "如已起火、有人受伤，请立即拨打 110 或 119。"
    ),
    "registry": _("您登记的信息已收到（查询码 %(code)s），工作人员核实后会录入。"),
    "suggestion": _(
        "您的意见建议已收到（查询码 %(code)s），谢谢您的关心。我们会认真研究，并在这里答复您。"
    ),
    "service": _("您的求助已收到（查询码 %(code)s），工作人员会尽快与您联系办理。"),
    "alarm": _(
        "您的报警已收到（查询码 %(code)s），已通知%(grid)s的民警。情况危急时请同时拨打 110。"
    ),
}

# Said when a report (or, for a dispute, its case) reaches a state.
BY_STATE = {
    "open": _("工作人员正在安排处理，请留意来电。"),
    "in_progress": _("工作人员正在处理，有进展会在这里告诉您。"),
    "closed": _("已办结。问题解决了吗？请在下面评价；没有解决，30 天内可以要求重新处理。"),
    "received": _("已登记，正在安排调解人员。"),
    "accepted": _("已受理，调解人员会与您和对方当事人联系。"),
    "investigating": _("调解人员正在了解情况，可能会上门或电话联系您。"),
    "mediating": _("正在组织调解，请按约定的时间参加。"),
    "agreement": _("双方已达成调解协议，请按协议履行；之后会有回访。"),
    "failed": _("这次调解没有成功，正在交由上一级继续化解，或告诉您其他解决途径。"),
    "follow_up": _("已调解，近期会回访了解协议履行情况。"),
    "verifying": _("已调解，正在核实办理结果。"),
    "transferred": _("已移送有关部门办理，他们会与您联系。"),
    "withdrawn": _("已撤回。"),
    "merged": _("和其他人反映的同一件事合并办理，进度照常在这里查看。"),
}


@dataclass(frozen=True)
class ReplyTemplate:
    code: str
    label: str
    text: str
    kinds: frozenset[str]  # empty: for every kind


_EVERY_KIND: frozenset[str] = frozenset()

# What staff most often answer, to start from and edit: the template is a beginning, the
# officer's words are the reply.
TEMPLATES = (
    ReplyTemplate(
        "contacted",
        _("已联系"),
        _("您好，我们已收到您的反映，已安排工作人员与您联系，请保持电话畅通。"),
        _EVERY_KIND,
    ),
    ReplyTemplate(
        "visiting",
        _("上门核实"),
        _("您好，工作人员将在近期上门核实情况，届时请配合。"),
        frozenset({"dispute", "hazard", "registry"}),
    ),
    ReplyTemplate(
        "mediation_scheduled",
        _("已约调解"),
        _("您好，已为您和对方当事人安排调解，具体时间地点工作人员会电话通知您。"),
        frozenset({"dispute"}),
    ),
    ReplyTemplate(
        "hazard_fixed",
        _("隐患已整改"),
        _("您好，您反映的隐患已督促整改完毕，感谢您的提醒。"),
        frozenset({"hazard"}),
    ),
    ReplyTemplate(
        "referred",
        _("转有关部门"),
        _("您好，您反映的事项不属于公安机关职责，已转交有关部门办理，他们会与您联系。"),
        _EVERY_KIND,
    ),
    ReplyTemplate(
        "suggestion_adopted",
        _("建议已采纳"),
        _("您好，您的建议已转交相关部门研究，谢谢您的关心和支持。"),
        frozenset({"suggestion"}),
    ),
    ReplyTemplate(
        "service_guide",
        _("办事指引"),
        _("您好，办理这件事需要带本人身份证和户口簿到派出所户籍窗口，工作时间可以直接办理。"),
        frozenset({"service"}),
    ),
    ReplyTemplate(
        "duplicate",
        _("已合并办理"),
        _("您好，您反映的事情已有人反映并正在处理，我们会一并办理，进度可凭查询码查看。"),
        _EVERY_KIND,
    ),
)
_BY_CODE = {template.code: template for template in TEMPLATES}


def templates_for(kind: str) -> list[ReplyTemplate]:
    """The reply templates that fit a report of ``kind``."""
    return [t for t in TEMPLATES if not t.kinds or kind in t.kinds]


def template_named(code: str) -> ReplyTemplate | None:
    return _BY_CODE.get(code)


def received_text(kind: str, *, code: str, grid: str) -> str:
    """The acknowledgement a reporter gets the moment their report is stored."""
    words = RECEIVED.get(kind) or RECEIVED["suggestion"]
    return str(words) % {"code": code, "grid": grid}


def state_text(state: str) -> str:
    """What the reporter is told when their report reaches ``state``; empty if nothing."""
    words = BY_STATE.get(state)
    return str(words) if words else ""
