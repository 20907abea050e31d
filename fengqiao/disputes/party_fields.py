"""A party's own fields, checked and written: role, person or organisation, name, numbers
sealed (``fengqiao.sealing``), the organisation's credit code and representative, and the
link to the registry's resident when the ID number is known.

No permission, no timeline, no audit: the callers do those (``disputes.parties`` for staff,
``services.open_case`` for the parties a case opens with). Below ``services`` so that both
may use it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fengqiao.disputes.credit_codes import normalize_credit_code
from fengqiao.disputes.models import Case, Party
from fengqiao.identity import normalize_id_number
from fengqiao.phones import normalize_phone
from fengqiao.registry import selectors as registry

# What a caller may set; the numbers are given in full and stored sealed.
FIELDS = (
    "role",
    "kind",
    "name",
    "phone",
    "id_number",
    "address",
    "credit_code",
    "representative",
)
# Shown as their masked form in a timeline or audit entry, never in full.
SEALED = ("phone", "id_number")


def checked(values: dict) -> dict:
    """The values normalised, or ValidationError with one Chinese message per field.

    A person may carry an ID number, not a credit code or representative; an organisation
    the reverse, and needs both (the agreement names them)."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown party fields: {sorted(unknown)}")
    errors: dict[str, str] = {}
    out = {name: str(values.get(name) or "").strip() for name in FIELDS}
    if out["role"] not in Party.Role.values:
        errors["role"] = _("请选择当事人身份：申请人、被申请人或第三人")
    out["kind"] = out["kind"] or Party.Kind.PERSON
    if out["kind"] not in Party.Kind.values:
        errors["kind"] = _("当事人类型只能是自然人或单位")
    if not out["name"]:
        errors["name"] = _("请填写当事人姓名或单位名称")
    elif len(out["name"]) > 100:
        errors["name"] = _("姓名或名称不能超过 100 个字")
    if len(out["address"]) > 200:
        errors["address"] = _("住址不能超过 200 个字")
    for name, normalize in (
        ("phone", normalize_phone),
        ("id_number", normalize_id_number),
        ("credit_code", normalize_credit_code),
    ):
        try:
            out[name] = normalize(out[name])
        except ValidationError as error:
            errors[name] = error.messages[0]
    if out["kind"] == Party.Kind.ORGANISATION:
        if out["id_number"]:
            errors["id_number"] = _("单位当事人不填身份证号码，请填写统一社会信用代码")
        if not out["credit_code"] and "credit_code" not in errors:
            errors["credit_code"] = _("请填写单位的统一社会信用代码")
        if not out["representative"]:
            errors["representative"] = _("请填写单位的法定代表人或负责人")
        elif len(out["representative"]) > 50:
            errors["representative"] = _("法定代表人或负责人姓名不能超过 50 个字")
    elif out["kind"] == Party.Kind.PERSON:
        if out["credit_code"] and "credit_code" not in errors:
            errors["credit_code"] = _("自然人不填统一社会信用代码")
        if out["representative"]:
            errors["representative"] = _("自然人不填法定代表人或负责人")
    if errors:
        raise ValidationError(errors)
    return out


def new_party(case: Case, **values) -> Party:
    """A party of ``case`` from ``values`` (see ``FIELDS``), checked, numbers sealed,
    linked to the resident with its ID number, and saved."""
    party = unsaved_party(case, **values)
    party.save()
    return party


def unsaved_party(case: Case, **values) -> Party:
    """``new_party`` up to the save, for a caller that writes it with other rows (its
    ``scope_path`` is set here, as ``Party.save`` would set it)."""
    clean = checked(values)
    party = Party(case=case, scope_path=case.scope_path)
    _write(party, clean)
    return party


def apply_changes(party: Party, **values) -> dict[str, list[str]]:
    """Correct ``party`` in place (not saved) with the fields given; the others are kept.
    Returns what changed as ``{field: [before, after]}``, numbers masked (a number changed
    for another with the same mask still counts, by its keyed hash)."""
    current = {name: getattr(party, name) for name in FIELDS if name not in SEALED}
    current["phone"] = party.phone if party.phone_sealed else ""
    current["id_number"] = party.id_number if party.id_sealed else ""
    clean = checked({**current, **values})
    before, before_hashes = describe(party), (party.phone_hash, party.id_hash)
    _write(party, clean)
    after, after_hashes = describe(party), (party.phone_hash, party.id_hash)
    changed = [name for name in FIELDS if before[name] != after[name]]
    for name, old, new in zip(SEALED, before_hashes, after_hashes, strict=True):
        if old != new and name not in changed:
            changed.append(name)
    return {name: [before[name], after[name]] for name in changed}


def describe(party: Party) -> dict[str, str]:
    """The party's fields as a timeline or audit entry may carry them: numbers masked."""
    shown = {name: getattr(party, name) for name in FIELDS if name not in SEALED}
    shown["phone"] = party.phone_masked
    shown["id_number"] = party.id_masked
    return shown


def _write(party: Party, clean: dict) -> None:
    party.role = clean["role"]
    party.kind = clean["kind"]
    party.name = clean["name"]
    party.address = clean["address"]
    party.credit_code = clean["credit_code"]
    party.representative = clean["representative"]
    party.set_phone(clean["phone"])
    party.set_id_number(clean["id_number"])
    party.resident = registry.resident_by_document(clean["id_number"])
