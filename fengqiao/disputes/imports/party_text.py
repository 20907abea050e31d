"""The 当事人 cell of a case file: several people in one cell, each as "姓名(身份证号)" or
"姓名 身份证号 电话", split and checked. Errors name the party by its place in the cell
and never repeat a number."""

from __future__ import annotations

import re
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fengqiao.identity import normalize_id_number
from fengqiao.phones import normalize_phone

MAX_PARTIES = 50
# Between parties: Chinese and ASCII commas, enumeration comma, semicolons, new lines.
_BETWEEN = re.compile(r"[，,、；;\n\r]+")
# "(...)" or "（...）" after a name: the numbers, separated by anything not a digit or X.
_BRACKETS = re.compile(r"[(（]([^)）]*)[)）]")
_NUMBER = re.compile(r"[0-9Xx*]{7,}")


class PartyText(NamedTuple):
    """One party as the cell gives it: name, and numbers normalised ("" when none)."""

    name: str
    id_number: str = ""
    phone: str = ""


def split_parties(text: str) -> tuple[list[PartyText], list[str]]:
    """The parties of a 当事人 cell and the problems found, in the user's language."""
    parties: list[PartyText] = []
    problems: list[str] = []
    pieces = [piece.strip() for piece in _BETWEEN.split(text or "") if piece.strip()]
    if len(pieces) > MAX_PARTIES:
        return [], [_("当事人不能超过 %(n)d 人") % {"n": MAX_PARTIES}]
    for number, piece in enumerate(pieces, start=1):
        party, problem = _party(piece)
        if problem:
            problems.append(_("第 %(n)d 位当事人：%(why)s") % {"n": number, "why": problem})
        elif party is not None:
            parties.append(party)
    return parties, problems


def _party(piece: str) -> tuple[PartyText | None, str]:
    inside = " ".join(_BRACKETS.findall(piece))
    outside = _BRACKETS.sub(" ", piece)
    numbers = _NUMBER.findall(inside) + _NUMBER.findall(outside)
    name = " ".join(_NUMBER.sub(" ", outside).split())
    name = re.sub(r"(身份证号?码?|电话|手机)[:：]?", "", name).strip(" :：")
    if not name:
        return None, _("缺少姓名")
    if len(name) > 100:
        return None, _("姓名不能超过 100 个字")
    id_number = phone = ""
    for number in numbers:
        if "*" in number:
            return None, _("号码已被遮盖（含 *），请填写完整号码或留空")
        if len(number) in (15, 18) and not id_number:
            try:
                id_number = normalize_id_number(number)
            except ValidationError as error:
                return None, error.messages[0]
        elif not phone:
            try:
                phone = normalize_phone(number)
            except ValidationError:
                # The phone's own message repeats the number; an import report must not.
                return None, _("电话号码格式不对，应为 11 位手机号或带区号的固定电话")
        else:
            return None, _("号码太多，每人只能写一个身份证号和一个电话")
    return PartyText(name, id_number, phone), ""


def party_text(name: str, id_number: str = "", phone: str = "") -> str:
    """One party as a 当事人 cell writes it back: "姓名(身份证号) 电话" (a mainland phone
    without +86); ``split_parties`` reads it as it was."""
    text = f"{name}({id_number})" if id_number else name
    if phone:
        text += " " + phone.removeprefix("+86")
    return text


def parties_text(parties) -> str:
    """Several parties joined as one cell (see ``party_text``)."""
    return "；".join(party_text(*party) for party in parties)
