"""Forms of the registry's pages. They parse what was typed and hand it to the services;
the services decide what is valid, and their messages are put back next to the fields."""

from __future__ import annotations

from itertools import groupby

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao import taxonomy
from fengqiao.forms_support import ServiceErrorsMixin, new_client_key, renew_client_key
from fengqiao.registry.care import SENSITIVE_KINDS
from fengqiao.registry.models import (
    END_REASON_CHOICES,
    ID_TYPE_CHOICES,
    CareVisit,
    KeyPerson,
    Resident,
    TenantReport,
)


def date_picker() -> forms.DateInput:
    """A phone's date picker; it reads and writes ISO dates whatever the language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceErrors(ServiceErrorsMixin):
    """A service's errors next to the fields they name; labels carry no colon, as the
    pages put each label above its field."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class RevealForm(ServiceErrors, forms.Form):
    reason = forms.CharField(
        label=_("查看理由"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：核查租户身份、联系家属")}),
    )


class EnrolForm(ServiceErrors, forms.Form):
    kind = forms.ChoiceField(label=_("人群类别"))
    care_level = forms.TypedChoiceField(
        label=_("关注等级"),
        choices=KeyPerson.CareLevel.choices,
        coerce=int,
        initial=KeyPerson.CareLevel.REGULAR,
    )
    since = forms.DateField(label=_("纳入日期"), required=False, widget=date_picker())
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, may_see_sensitive: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (code, label)
            for code, label in taxonomy.choices("key_population")
            if may_see_sensitive or code not in SENSITIVE_KINDS
        ]
        self.fields["since"].initial = timezone.localdate


class CareVisitForm(ServiceErrors, forms.Form):
    visited_on = forms.DateField(
        label=_("走访日期"),
        required=False,
        initial=timezone.localdate,
        widget=date_picker(),
    )
    method = forms.ChoiceField(
        label=_("方式"),
        choices=CareVisit.Method.choices,
        initial=CareVisit.Method.HOME,
        widget=forms.RadioSelect,
    )
    finding = forms.CharField(
        label=_("走访情况"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and not self.data.get("client_key"):
            # Sent without a key (an old page): one now, so sending it again after an
            # error cannot record the visit twice.
            renew_client_key(self)
        elif not self.is_bound:
            self.initial.setdefault("client_key", new_client_key())


class HouseChoiceField(forms.ModelChoiceField):
    """Houses grouped by building (or grid), labelled by the short address a building
    head knows: "3组12号 2室" rather than the full standard address."""

    def label_from_instance(self, house) -> str:
        return f"{house.address.tail} {house.label}".strip()

    def _get_choices(self):
        houses = list(self.queryset) if self.queryset is not None else []

        def group(house):
            address = house.address
            return address.building.name if address.building else address.grid.name

        grouped = [
            (name, [(house.pk, self.label_from_instance(house)) for house in members])
            for name, members in groupby(sorted(houses, key=group), key=group)
        ]
        return [("", _("请选择房屋")), *grouped]

    choices = property(_get_choices, forms.ChoiceField.choices.fset)


class TenantReportForm(ServiceErrors, forms.Form):
    """What a building head fills in on a phone: the house, in or out, who, when."""

    house = HouseChoiceField(
        label=_("房屋"),
        queryset=None,
        error_messages={"required": _("请选择房屋"), "invalid_choice": _("请从列表中选择房屋")},
    )
    kind = forms.ChoiceField(
        label=_("入住还是搬离"),
        choices=TenantReport.Kind.choices,
        initial=TenantReport.Kind.MOVE_IN,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("租户姓名"), required=False, max_length=50)
    id_type = forms.ChoiceField(
        label=_("证件类型"), choices=ID_TYPE_CHOICES, initial="resident_id", required=False
    )
    id_number = forms.CharField(
        label=_("证件号码"),
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    phone = forms.CharField(
        label=_("手机号（可不填）"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    moved_on = forms.DateField(
        label=_("日期"),
        required=False,
        initial=timezone.localdate,
        widget=date_picker(),
    )
    note = forms.CharField(label=_("备注（可不填）"), required=False, max_length=200)
    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, houses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = houses
        if self.is_bound and not self.data.get("client_key"):
            # Sent without a key (no script, an old page): give it one now, so that
            # sending it again after an error cannot make a second report.
            renew_client_key(self)

    def submission(self) -> dict:
        """The cleaned values as ``report_tenant`` keyword arguments."""
        data = self.cleaned_data
        return {
            "house": data["house"],
            "kind": data["kind"],
            "name": data["name"],
            "id_type": data["id_type"] or "resident_id",
            "id_number": data["id_number"],
            "phone": data["phone"],
            "moved_on": data["moved_on"],
            "note": data["note"],
            "client_key": data["client_key"] or None,
        }


class ReviewForm(ServiceErrors, forms.Form):
    """Verify (an optional note) or send back (a reason) a tenant report."""

    note = forms.CharField(label=_("核实意见"), required=False, max_length=200)
    reason = forms.CharField(label=_("退回原因"), required=False, max_length=200)


# --- registry editing (registry.editing) -----------------------------------------------

NUMBER_KEEP_HELP = _("不修改请留空")


def _text_input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": "off", **attrs})


class KeyedForm(ServiceErrors, forms.Form):
    """A form carrying its idempotency key: sending it twice makes one change."""

    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and not self.data.get("client_key"):
            # Sent without a key: one now, so sending it again after an error cannot
            # make a second change.
            renew_client_key(self)
        elif not self.is_bound:
            self.initial.setdefault("client_key", new_client_key())

    def sent_key(self) -> str | None:
        """The idempotency key the form was sent with (after ``is_valid``)."""
        return self.cleaned_data.get("client_key") or None


class ResidentFieldsForm(KeyedForm):
    """A resident's own fields, as typed on a phone; the services check them."""

    name = forms.CharField(label=_("姓名"), required=False, max_length=50)
    id_type = forms.ChoiceField(
        label=_("证件类型"), choices=ID_TYPE_CHOICES, initial="resident_id", required=False
    )
    id_number = forms.CharField(
        label=_("证件号码"),
        required=False,
        max_length=24,
        widget=_text_input(autocapitalize="characters"),
    )
    phone = forms.CharField(
        label=_("手机号（可不填）"),
        required=False,
        max_length=30,
        widget=_text_input(type="tel", inputmode="tel"),
    )
    residence_type = forms.ChoiceField(
        label=_("人户状态"),
        choices=Resident.ResidenceType.choices,
        initial=Resident.ResidenceType.REGISTERED,
        widget=forms.RadioSelect,
    )
    hukou_place = forms.CharField(label=_("户籍地（可不填）"), required=False, max_length=120)
    moved_in = forms.DateField(label=_("迁入日期（可不填）"), required=False, widget=date_picker())
    note = forms.CharField(label=_("备注（可不填）"), required=False, max_length=200)


class ResidentAddForm(ResidentFieldsForm):
    """新增居民: which house, then who."""

    house = HouseChoiceField(
        label=_("房屋"),
        queryset=None,
        error_messages={"required": _("请选择房屋"), "invalid_choice": _("请从列表中选择房屋")},
    )
    field_order = ["house"]

    def __init__(self, *args, houses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = houses

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            field: data[field]
            for field in (
                "name",
                "id_type",
                "id_number",
                "phone",
                "residence_type",
                "hukou_place",
                "moved_in",
                "note",
            )
        }


class ResidentCorrectionForm(ResidentFieldsForm):
    """修改: the current values filled in, the numbers blank (shown masked); only what was
    changed is sent to the service."""

    def __init__(self, *args, resident, **kwargs):
        self.resident = resident
        initial = kwargs.setdefault("initial", {})
        for field in ("name", "id_type", "residence_type", "hukou_place", "moved_in", "note"):
            initial.setdefault(field, getattr(resident, field))
        super().__init__(*args, **kwargs)
        self.fields["id_number"].label = _("新证件号码")
        self.fields["id_number"].help_text = NUMBER_KEEP_HELP
        self.fields["phone"].label = _("新手机号")
        self.fields["phone"].help_text = NUMBER_KEEP_HELP
        self.fields["residence_type"].required = False

    def values(self) -> dict:
        """The fields whose value differs from the record's (numbers: those typed)."""
        data, resident = self.cleaned_data, self.resident
        changed = {
            field: data[field]
            for field in ("name", "hukou_place", "note")
            if " ".join((data[field] or "").split()) != getattr(resident, field)
        }
        if data["residence_type"] and data["residence_type"] != resident.residence_type:
            changed["residence_type"] = data["residence_type"]
        if data["moved_in"] != resident.moved_in:
            changed["moved_in"] = data["moved_in"]
        if data["id_type"] and data["id_type"] != resident.id_type:
            changed["id_type"] = data["id_type"]
        for field in ("id_number", "phone"):
            if (data[field] or "").strip():
                changed[field] = data[field]
        return changed


class ResidentEndForm(KeyedForm):
    """迁出 / 死亡 / 注销户口, on a date."""

    reason = forms.ChoiceField(
        label=_("原因"), choices=END_REASON_CHOICES, required=False, widget=forms.RadioSelect
    )
    on = forms.DateField(
        label=_("日期"), required=False, initial=timezone.localdate, widget=date_picker()
    )

    def values(self) -> dict:
        return {"reason": self.cleaned_data["reason"], "on": self.cleaned_data["on"]}
