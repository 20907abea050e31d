"""Pages that add, correct and end the registry's other records: an address, a house, a
unit, an employee, a stay. One view and one template for all of them: each page is a row
of ``PAGES`` (its form, the record it acts on, the service it calls), so they behave alike:
the police only, the record looked up in their area (404 elsewhere), a refusal shown next
to the field it names with what was typed kept, and the record's page afterwards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fengqiao.org.scope import scope_to
from fengqiao.places.models import Region
from fengqiao.registry import adding, editing, record_forms, selectors


@dataclass(frozen=True)
class Page:
    title: Promise
    permission: str
    form: type
    # (user, pk) -> the record acted on, 404 outside the user's area; None for 新增地址.
    target: Callable | None
    # (user, record, form) -> the record whose page comes next.
    send: Callable
    done: Promise
    form_kwargs: Callable = field(default=lambda user, record: {})
    danger: bool = False


def _key(form):
    return form.cleaned_data.get("client_key") or None


def _grids(user, record):
    return {"grids": scope_to(user, Region.objects.filter(level="grid")).order_by("path")}


def _new_address(user, _record, form):
    grid = adding.grid_for(user, form.cleaned_data["grid"])
    return adding.add_address(actor=user, grid=grid, values=form.values()).record


def _employee(user, unit, form):
    data = form.cleaned_data
    resident = selectors.residents_for(user).filter(pk=data["resident"]).first()
    if resident is None:
        raise ValidationError({"resident": [_("没有这个人员编号，或此人不在您的辖区内")]})
    adding.add_employee(
        actor=user,
        unit=unit,
        resident=resident,
        position=data["position"],
        since=data["since"],
        client_key=_key(form),
    )
    return unit


def _moved(user, resident, form):
    adding.add_stay(
        actor=user,
        resident=resident,
        house=form.cleaned_data["house"],
        values=form.values(),
        client_key=_key(form),
    )
    return resident


def _stay_ended(user, stay, form):
    adding.end_stay(actor=user, stay=stay, values=form.values(), client_key=_key(form))
    return stay.resident


PAGES = {
    "address_new": Page(
        _("新增地址"),
        "registry.add_address",
        record_forms.AddressForm,
        None,
        _new_address,
        _("地址已登记"),
        form_kwargs=_grids,
    ),
    "house_new": Page(
        _("新增房屋"),
        "registry.add_house",
        record_forms.HouseForm,
        selectors.get_address_for,
        lambda user, address, form: (
            adding.add_house(
                actor=user, address=address, values=form.values(), client_key=_key(form)
            ).record.address
        ),
        _("房屋已登记"),
    ),
    "house_edit": Page(
        _("修改房屋"),
        "registry.change_house",
        record_forms.HouseCorrectionForm,
        selectors.get_house_for,
        lambda user, house, form: (
            editing.correct_house(actor=user, house=house, values=form.values()).address
        ),
        _("已修改"),
        form_kwargs=lambda user, house: {"record": house},
    ),
    "house_end": Page(
        _("房屋灭失"),
        "registry.change_house",
        record_forms.EndForm,
        selectors.get_house_for,
        lambda user, house, form: (
            editing.end_house(actor=user, house=house, **form.cleaned_data).address
        ),
        _("已办理灭失"),
        danger=True,
    ),
    "unit_new": Page(
        _("新增单位"),
        "registry.add_establishment",
        record_forms.UnitForm,
        selectors.get_address_for,
        lambda user, address, form: (
            adding.add_unit(
                actor=user, address=address, values=form.values(), client_key=_key(form)
            ).record
        ),
        _("单位已登记"),
    ),
    "unit_edit": Page(
        _("修改单位"),
        "registry.change_establishment",
        record_forms.UnitCorrectionForm,
        selectors.get_establishment_for,
        lambda user, unit, form: editing.correct_establishment(
            actor=user, unit=unit, values=form.values()
        ),
        _("已修改"),
        form_kwargs=lambda user, unit: {"record": unit},
    ),
    "unit_close": Page(
        _("单位关闭"),
        "registry.change_establishment",
        record_forms.EndForm,
        selectors.get_establishment_for,
        lambda user, unit, form: editing.close_establishment(
            actor=user, unit=unit, **form.cleaned_data
        ),
        _("已办理关闭"),
        danger=True,
    ),
    "employee_new": Page(
        _("新增从业人员"),
        "registry.change_establishment",
        record_forms.EmployeeForm,
        selectors.get_establishment_for,
        _employee,
        _("已登记从业人员"),
    ),
    "employment_end": Page(
        _("办理离职"),
        "registry.change_establishment",
        record_forms.EmploymentEndForm,
        selectors.get_employment_for,
        lambda user, job, form: (
            editing.end_employment(
                actor=user, employment=job, on=form.cleaned_data["on"]
            ).establishment
        ),
        _("已办理离职"),
        danger=True,
    ),
    "address_retire": Page(
        _("注销地址"),
        "registry.change_address",
        record_forms.EndForm,
        selectors.get_address_for,
        lambda user, address, form: editing.retire_address(
            actor=user, address=address, **form.cleaned_data
        ),
        _("地址已注销"),
        danger=True,
    ),
    "resident_move": Page(
        _("迁入新房屋"),
        "registry.change_resident",
        record_forms.MoveForm,
        selectors.get_resident_for,
        _moved,
        _("已办理迁入"),
        form_kwargs=lambda user, resident: {
            "houses": selectors.houses_for(user)
            .filter(ended_on__isnull=True)
            .select_related("address__building", "address__grid")
        },
    ),
    "stay_end": Page(
        _("结束居住"),
        "registry.change_resident",
        record_forms.StayEndForm,
        selectors.get_stay_for,
        _stay_ended,
        _("已结束居住"),
        danger=True,
    ),
}

NEXT_PAGE = {"Address": "registry:address", "Establishment": "registry:unit"}


def _page_of(record) -> str:
    name = type(record).__name__
    if name == "Resident":
        return reverse("registry:resident", args=[record.pk])
    return reverse(NEXT_PAGE[name], args=[record.pk])


@login_required
def record_page(request, pk: int | None = None, *, page: str):
    """One of ``PAGES``: the form, then the service; the police only."""
    spec = PAGES[page]
    user = request.user
    if not user.has_perm(spec.permission):
        raise PermissionDenied
    record = spec.target(user, pk) if spec.target else None
    form = spec.form(request.POST or None, **spec.form_kwargs(user, record))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                shown = spec.send(user, record, form)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, spec.done)
                return redirect(_page_of(shown))
        status = 400
    context = {"spec": spec, "form": form, "record": record, "back": _back(record)}
    return render(request, "registry/record_form.html", context, status=status)


def _back(record) -> str:
    if record is None:
        return reverse("registry:search")
    name = type(record).__name__
    if name == "House":
        return reverse("registry:address", args=[record.address_id])
    if name == "Employment":
        return reverse("registry:unit", args=[record.establishment_id])
    if name == "Occupancy":
        return reverse("registry:resident", args=[record.resident_id])
    return _page_of(record)
