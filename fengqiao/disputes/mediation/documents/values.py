"""The plain values a document is drawn from: frozen dataclasses the disputes app maps its
records onto (labels translated, numbers masked or not, datetimes local).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple


def _freeze(obj: object, *names: str) -> None:
    # Callers map querysets and lists onto these; tuples keep the records truly immutable.
    for name in names:
        object.__setattr__(obj, name, tuple(getattr(obj, name)))


@dataclass(frozen=True, kw_only=True)
class PartyInfo:
    """One party as printed. ``id_number`` is printed exactly as given: mask it first if needed."""

    role: str  # 申请人 / 被申请人 / 第三人
    name: str
    sex: str = ""
    ethnicity: str = ""  # printed as given, e.g. "汉族"
    birth_date: dt.date | None = None
    id_number: str = ""
    address: str = ""
    phone: str = ""
    agent: str = ""  # 委托代理人或监护人, with relationship if wanted
    # An organisation (单位) is printed with its credit code and representative instead of
    # a person's sex, ethnicity, birth date and ID number.
    organisation: bool = False
    credit_code: str = ""
    representative: str = ""


@dataclass(frozen=True, kw_only=True)
class CaseHeader:
    """What every document of the file repeats about the case."""

    reference_no: str  # e.g. "330699-2026-000123"
    category: str = ""
    risk_grade: str = ""
    level: str | int = ""
    channel: str = ""  # 申请 / 主动 / 委托移送 ...
    received_at: dt.datetime | dt.date | None = None
    location: str = ""
    grid: str = ""
    narrative: str = ""
    request: str = ""  # 诉求
    handlers: Sequence[str] = ()

    def __post_init__(self) -> None:
        _freeze(self, "handlers")


@dataclass(frozen=True, kw_only=True)
class SessionRecord:
    """One mediation session (调解记录)."""

    held_at: dt.datetime | dt.date | None = None
    place: str = ""
    mediators: Sequence[str] = ()
    attendees: Sequence[str] = ()
    record: str = ""
    outcome: str = ""
    failure_reason: str = ""

    def __post_init__(self) -> None:
        _freeze(self, "mediators", "attendees")


@dataclass(frozen=True, kw_only=True)
class AgreementTerm:
    """One numbered term: who does what, how much, how, where and by when."""

    obligation: str
    obligor: str = ""
    amount: Decimal | None = None  # yuan; printed in figures and in capitals (大写)
    manner: str = ""
    place: str = ""
    deadline: dt.date | None = None


class Signature(NamedTuple):
    """A recorded signature: (signer, role 当事人/调解员, method 签名/盖章/按指印, date)."""

    signer: str
    role: str
    method: str
    signed_on: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class JudicialConfirmation:
    """Court confirmation of the agreement (art. 33), if the parties applied."""

    applied_on: dt.date | None = None
    court: str = ""
    ruling: str = ""  # e.g. "确认有效" / "驳回申请"
    ruling_date: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class AgreementDoc:
    """A 人民调解协议书. ``signatures`` may hold plain 4-tuples; they become ``Signature``.

    ``copies`` defaults to one per party plus one for the committee (art. 29); a larger number
    means the committee keeps the extra copies. Fewer than that is refused.
    """

    agreement_no: str
    committee: str = ""
    mediators: Sequence[str] = ()
    parties: Sequence[PartyInfo] = ()
    facts: str = ""
    issues: str = ""
    responsibility: str = ""
    terms: Sequence[AgreementTerm] = ()
    breach_clause: str = ""
    signatures: Sequence[Signature | tuple] = ()
    seal_applied: bool = False
    effective_date: dt.date | None = None
    copies: int | None = None
    judicial_confirmation: JudicialConfirmation | None = None

    def __post_init__(self) -> None:
        _freeze(self, "mediators", "parties", "terms")
        object.__setattr__(self, "signatures", tuple(Signature(*s) for s in self.signatures))
        if self.copies is not None and self.copies < len(self.parties) + 1:
            raise ValueError(
                f"copies（协议份数）为 {self.copies}，少于当事人人数加一"
                f"（{len(self.parties) + 1}）：每位当事人一份，调解委员会留存一份"
            )

    @property
    def copy_count(self) -> int:
        return self.copies if self.copies is not None else len(self.parties) + 1


@dataclass(frozen=True, kw_only=True)
class ReturnVisitRecord:
    """One return visit (回访) after the case closed or the agreement was signed."""

    visited_on: dt.datetime | dt.date | None = None
    visitor: str = ""
    method: str = ""  # 电话 / 上门
    attitude: str = ""  # 当事人态度
    performance: str = ""  # 协议履行情况
    outcome: str = ""
    notes: str = ""
