"""How another system's words become our codes: its dispute categories, mediation results,
case sources, difficulty levels, mediation organisations and places.

Each dimension turns a value as written in the file into one of our choices, by default
from the rules below; the user sees every distinct value with its count and our choice
before committing, and may change any of them (``overrides``: dimension → value → choice).
A value with no choice is an error on each of its rows, except for the organisation (a
case may have no team). Places are never guessed: a 行政区划 that names no single grid is
an error until the user names the grid.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from fengqiao import taxonomy
from fengqiao.triage import mediation

# Our outcome of an imported case: how its history ends (see ``history.events_for``).
AGREEMENT, PARTIAL, FAILED, TRANSFERRED, PENDING = (
    "agreement",
    "partial",
    "failed",
    "transferred",
    "pending",
)
RESULTS = {
    AGREEMENT: N_("调解成功（达成协议）"),
    PARTIAL: N_("部分达成"),
    FAILED: N_("调解不成功"),
    TRANSFERRED: N_("转诉讼或其他途径"),
    PENDING: N_("调解中（未结束）"),
}
_RESULT_WORDS = (
    (re.compile(r"部分"), PARTIAL),
    (re.compile(r"不成功|未成功|失败|未达成|未调解成功|不成"), FAILED),
    (re.compile(r"转|诉讼|移送|起诉|仲裁"), TRANSFERRED),
    (re.compile(r"成功|达成|已调解|调结|化解"), AGREEMENT),
    (re.compile(r"调解中|进行中|在办|未结|正在"), PENDING),
)

# 案件难度级别 → (risk, level) as "risk:level".
DIFFICULTY = {
    "blue:1": N_("蓝色，一级（简单）"),
    "blue:2": N_("蓝色，二级（一般）"),
    "yellow:2": N_("黄色，二级"),
    "yellow:3": N_("黄色，三级（疑难）"),
    "red:3": N_("红色，三级（重大）"),
}
_DIFFICULTY_WORDS = {
    "简单": "blue:1",
    "一般": "blue:2",
    "普通": "blue:2",
    "较难": "yellow:2",
    "复杂": "yellow:3",
    "疑难": "yellow:3",
    "重大": "red:3",
    "重大疑难": "red:3",
}
DEFAULT_DIFFICULTY = "blue:1"

_SOURCE_WORDS = (
    (re.compile(r"委托|移送|委派|转来|交办|法院|公安|信访|诉前"), "referral"),
    (re.compile(r"主动|排查|走访"), "visit"),
    (re.compile(r"电话|来电|热线|12345"), "phone"),
    (re.compile(r"网|线上|小程序|微信"), "web"),
    (re.compile(r"110|报警"), "alarm_110"),
    (re.compile(r"申请|来访|当事人"), "walk_in"),
)
DEFAULT_CHANNEL = "walk_in"

_PUNCTUATION = re.compile(r"[\s、，,。.；;/（）()【】\[\]]")


@dataclass(frozen=True)
class Dimension:
    """One kind of value the user maps: its column, its label, and how a value is mapped
    by default (``None``: no default choice)."""

    key: str
    label: str
    columns: tuple[str, ...]
    required: bool


DIMENSIONS = (
    Dimension("category", N_("纠纷类别"), ("category",), True),
    Dimension("result", N_("调解结果"), ("result",), True),
    Dimension("source", N_("案件来源"), ("source",), True),
    Dimension("difficulty", N_("案件难度级别"), ("difficulty",), True),
    Dimension("team", N_("调解组织"), ("organisation", "studio"), False),
    Dimension("place", N_("行政区划"), ("place",), True),
)
BY_KEY = {dimension.key: dimension for dimension in DIMENSIONS}


def category_of(text: str) -> str | None:
    """Our category code for a people's-mediation category as written ("邻里纠纷",
    "房屋、宅基地纠纷", "其它"), via ``triage.mediation.label_of``."""
    label = mediation.label_of(_PUNCTUATION.sub("", text))
    if label is None:
        return None
    return _MEDIATION_CODES.get(label)


# Each people's-mediation label → our code of the same name (the 15 one-to-one codes).
_MEDIATION_CODES = {
    entry["zh"]: entry["code"]
    for entry in taxonomy.entries("category")
    if entry.get("mediation_category")
}


def result_of(text: str) -> str | None:
    if not text:
        return PENDING
    for pattern, code in _RESULT_WORDS:
        if pattern.search(text):
            return code
    return None


def difficulty_of(text: str) -> str | None:
    if not text:
        return DEFAULT_DIFFICULTY
    return _DIFFICULTY_WORDS.get(_PUNCTUATION.sub("", text).removesuffix("案件"))


def source_of(text: str) -> str | None:
    if not text:
        return DEFAULT_CHANNEL
    for pattern, code in _SOURCE_WORDS:
        if pattern.search(text):
            return code
    return None


DEFAULTS: dict[str, Callable[[str], str | None]] = {
    "category": category_of,
    "result": result_of,
    "difficulty": difficulty_of,
    "source": source_of,
}


def choices(dimension: str) -> list[tuple[str, str]]:
    """(code, label) the user may pick for ``dimension`` (teams and places are chosen by
    the caller from the actor's jurisdiction)."""
    if dimension == "category":
        return [(code, str(label)) for code, label in taxonomy.choices("category")]
    if dimension == "result":
        return [(code, _(label)) for code, label in RESULTS.items()]
    if dimension == "difficulty":
        return [(code, _(label)) for code, label in DIFFICULTY.items()]
    if dimension == "source":
        return [(code, str(label)) for code, label in taxonomy.choices("channel")]
    return []


def valid_choice(dimension: str, code: str) -> bool:
    return code in {value for value, _label in choices(dimension)}


def clean_overrides(raw) -> dict[str, dict[str, str]]:
    """The user's mapping as dimension → value → choice, or ValueError naming what is wrong
    (an unknown dimension, a choice that is not ours). Teams and places are checked against
    the actor's jurisdiction by the importer."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError(_("对照表应是 {维度: {原值: 本系统代码}} 的形式"))
    out: dict[str, dict[str, str]] = {}
    for key, values in raw.items():
        if key not in BY_KEY:
            raise ValueError(
                _("对照表中有未知的项“%(key)s”，可选：%(keys)s")
                % {"key": key, "keys": "、".join(BY_KEY)}
            )
        if not isinstance(values, dict):
            raise ValueError(_("对照表“%(key)s”应是 {原值: 本系统代码}") % {"key": key})
        cleaned = {}
        for value, code in values.items():
            code = str(code or "").strip()
            if code and key in DEFAULTS and not valid_choice(key, code):
                raise ValueError(
                    _("对照表“%(label)s”中“%(value)s”的代码“%(code)s”不是本系统的代码")
                    % {"label": _(BY_KEY[key].label), "value": value, "code": code}
                )
            cleaned[str(value).strip()] = code
        out[key] = cleaned
    return out
