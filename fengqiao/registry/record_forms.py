"""Forms of the pages that add, correct and end addresses, houses, units, employees and
stays (``record_views``). They parse; ``registry.adding`` and ``registry.editing`` decide
what is valid, and their messages come back next to the fields."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.registry.forms import (
    NUMBER_KEEP_HELP,
    HouseChoiceField,
    KeyedForm,
    ResidentEndForm,
    ServiceErrors,
    date_picker,
)
from fengqiao.registry.models import Address, Establishment, House, Resident

PHONES = ("owner_phone", "in_charge_phone", "security_phone")


def _text(label, limit: int) -> forms.CharField:
    # Not required here: the services say what is missing, in the words of the import.
    return forms.CharField(label=label, max_length=limit, required=False)


class Changed:
    """A correction form: the record's values filled in (phones blank, shown masked); only
    the fields changed are sent, a phone only when one is typed."""

    def __init__(self, *args, record, **kwargs):
        self.record = record
        initial = kwargs.setdefault("initial", {})
        for field in self.base_fields:
            if field not in PHONES and hasattr(record, field):
                initial.setdefault(field, getattr(record, field))
        super().__init__(*args, **kwargs)
        for field in PHONES:
            if field in self.fields:
                self.fields[field].help_text = NUMBER_KEEP_HELP

    def values(self) -> dict:
        return {
            field: self.cleaned_data[field]
            for field in self.changed_data
            if field != "client_key" and (field not in PHONES or self.cleaned_data[field])
        }


class AddressForm(ServiceErrors, forms.Form):
    """新增地址: a grid of the user's area, and the standard address elements."""

    grid = forms.ChoiceField(label=_("所属网格"))

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = [("", _("请选择网格"))] + [
            (grid.code, grid.name) for grid in grids
        ]
        for field in Address.ELEMENTS:
            model_field = Address._meta.get_field(field)
            self.fields[field] = _text(model_field.verbose_name, model_field.max_length)

    def values(self) -> dict:
        return {field: self.cleaned_data[field] for field in Address.ELEMENTS}


class HouseForm(KeyedForm):
    """新增房屋 at an address."""

    label = _text(_("房屋标识"), 20)
    use = forms.ChoiceField(label=_("用途"), choices=House.Use.choices, initial=House.Use.OWN)
    owner_name = _text(_("房主"), 50)
    owner_phone = _text(_("房主电话"), 30)

    def values(self) -> dict:
        return {f: self.cleaned_data[f] for f in ("label", "use", "owner_name", "owner_phone")}


class HouseCorrectionForm(Changed, HouseForm):
    area_m2 = forms.DecimalField(label=_("面积（平方米）"), required=False, decimal_places=2)

    def values(self) -> dict:
        values = Changed.values(self)
        if values.get("area_m2") is not None:
            values["area_m2"] = str(values["area_m2"])
        return values


class UnitForm(KeyedForm):
    """新增单位 at an address."""

    name = _text(_("名称"), 100)
    kind = forms.ChoiceField(label=_("类型"), choices=Establishment.Kind.choices)
    credit_code = _text(_("统一社会信用代码"), 18)
    in_charge_name = _text(_("负责人"), 50)
    in_charge_phone = _text(_("负责人电话"), 30)
    security_name = _text(_("治安联系人"), 50)
    security_phone = _text(_("治安联系人电话"), 30)
    employee_count = forms.IntegerField(label=_("从业人数"), required=False, min_value=0)

    def values(self) -> dict:
        return {f: v for f, v in self.cleaned_data.items() if f != "client_key"}


class UnitCorrectionForm(Changed, UnitForm):
    pass


class EmployeeForm(KeyedForm):
    """新增从业人员: the resident by their number in the registry (人员编号)."""

    resident = forms.IntegerField(label=_("人员编号"), min_value=1, max_value=2**31 - 1)
    position = _text(_("岗位"), 40)
    since = forms.DateField(label=_("入职日期"), required=False, widget=date_picker())


class EndForm(ServiceErrors, forms.Form):
    """A house ended, a unit closed, an address retired: a date and why."""

    on = forms.DateField(
        label=_("日期"), required=False, initial=timezone.localdate, widget=date_picker()
    )
    reason = _text(_("原因"), 100)


class EmploymentEndForm(ServiceErrors, forms.Form):
    on = forms.DateField(
        label=_("离职日期"), required=False, initial=timezone.localdate, widget=date_picker()
    )


class MoveForm(KeyedForm):
    """迁入新房屋: the resident's next house in the user's area."""

    house = HouseChoiceField(label=_("迁入房屋"), queryset=House.objects.none())
    moved_in = forms.DateField(
        label=_("迁入日期"), required=False, initial=timezone.localdate, widget=date_picker()
    )
    residence_type = forms.ChoiceField(
        label=_("人户状态"), choices=[("", "—"), *Resident.ResidenceType.choices], required=False
    )

    def __init__(self, *args, houses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = houses

    def values(self) -> dict:
        return {f: self.cleaned_data[f] for f in ("moved_in", "residence_type")}


StayEndForm = ResidentEndForm
