"""The "智能研判" panel: what triage read in a report, in words an officer can check."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy

from fengqiao import taxonomy

register = template.Library()

SIGNAL_LABELS = {
    "threat_to_kill": gettext_lazy("扬言杀人、伤人或同归于尽"),
    "weapon": gettext_lazy("持有或使用凶器"),
    "alcohol": gettext_lazy("酒后"),
    "injury": gettext_lazy("有人受伤"),
    "crowd_gathering": gettext_lazy("人员聚集、堵路堵门"),
    "vulnerable_person": gettext_lazy("涉及弱势人员（老人、病人、孕妇等）"),
    "suicide_risk": gettext_lazy("轻生风险"),
    "repeated_police_calls": gettext_lazy("多次报警"),
    "failed_mediation": gettext_lazy("多次调解未成"),
    "minor_involved": gettext_lazy("涉及未成年人"),
    "money_amount": gettext_lazy("涉及金额"),
    "domestic_violence": gettext_lazy("家庭暴力"),
    "property_damage": gettext_lazy("毁坏财物"),
    "intimidation": gettext_lazy("恐吓、骚扰"),
    "petition_threat": gettext_lazy("扬言上访、闹访"),
    "accidental": gettext_lazy("意外所致（车祸、动物、摔倒等）"),
    "over": gettext_lazy("事情已过去或已处理"),
    "threat_of_more": gettext_lazy("扬言再来、反复发生"),
    "violence_ongoing": gettext_lazy("正在发生冲突"),
    "long_running": gettext_lazy("长期积怨"),
    "missing": gettext_lazy("人员走失、未归"),
    "fraud_in_progress": gettext_lazy("正在转账或取款"),
    "in_court": gettext_lazy("已进入诉讼或诉前调解"),
    "high_stakes": gettext_lazy("涉及重大利益（死亡、十万元以上、多名工人）"),
}


@register.inclusion_tag("intake/_triage.html")
def triage_panel(report):
    """The prediction stored on ``report`` (or that it awaits manual grading)."""
    return panel_context(
        getattr(report, "triage", None), needs_grading=getattr(report, "needs_grading", False)
    )


def panel_context(prediction: dict | None, *, needs_grading: bool = False, live=False) -> dict:
    """What ``intake/_triage.html`` shows of a prediction; ``live`` for a suggestion made
    while the officer is still typing."""
    if not prediction:
        return {"needs_grading": needs_grading}
    return {
        "prediction": prediction,
        "live": live,
        "category": taxonomy.label("category", prediction["category"]),
        # Older predictions have no confidence flag: they were shown as sure.
        "confident": prediction.get("confident", True),
        "alternatives": [
            taxonomy.label("category", code)
            for code, _chance in prediction.get("alternatives", [])
            if code in taxonomy.codes("category")
        ],
        "risk": prediction["risk"],
        "risk_label": taxonomy.label("risk", prediction["risk"]),
        "signals": [
            {
                "label": SIGNAL_LABELS.get(signal["name"], signal["name"]),
                "words": signal["words"],
                "live": signal["live"],
            }
            for signal in prediction["signals"]
        ],
    }
