"""The one-click alarm's form. It only parses what the page sent and works out the place
to give ``raise_alarm``; the service decides what is valid, and its messages are put back
next to the fields they name."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fengqiao.community import selectors as community
from fengqiao.dispatch import alarm_selectors
from fengqiao.forms_support import ServiceErrorsMixin, renew_client_key

CHANNELS = ("one_click_alarm", "kiosk")
# Where the page's script says the point came from; any other place the server works out.
POINT_SOURCES = ("device", "last_known")
# The service's field names, as this form calls them.
SERVICE_FIELDS = {
    "caller_phone": "phone",
    "reporter_phone": "phone",
    "photos": "photo",
    "text": "note",
    "lon": "place",
    "lat": "place",
    "grid_code": "place",
    "building": "place",
    "location_source": "place",
}


class AlarmForm(ServiceErrorsMixin, forms.Form):
    """What the alarm page sends. Nothing is required: a tap with no words at all is an
    alarm, as long as some place for it is known."""

    client_key = forms.CharField(required=False, max_length=64)
    channel = forms.CharField(required=False, max_length=24)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    location_source = forms.CharField(required=False, max_length=12)
    # The "我所在的楼栋" picker: township and village only lead to the grid and building.
    township = forms.CharField(required=False, max_length=32)
    community = forms.CharField(required=False, max_length=32)
    grid_code = forms.CharField(label=_("网格"), required=False, max_length=32)
    building = forms.CharField(label=_("楼栋"), required=False, max_length=40)
    # The building the resident chose once, remembered by their phone.
    saved_grid = forms.CharField(required=False, max_length=32)
    saved_building = forms.CharField(required=False, max_length=40)
    group = forms.IntegerField(required=False, min_value=1)
    kiosk_place = forms.CharField(label=_("终端位置"), required=False, max_length=40)
    note = forms.CharField(label=_("简要说明"), required=False, strip=True)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=30)
    photo = forms.FileField(label=_("照片"), required=False)
    silent = forms.BooleanField(label=_("静默报警"), required=False)
    # A field of its own for the errors about where the alarm is.
    place = forms.CharField(required=False, disabled=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and not self.data.get("client_key"):
            # Posted without a key (no script): give this form one now, so that sending it
            # again after an error cannot raise a second alarm.
            renew_client_key(self)
        invalid = _("位置坐标无效，请重新定位或选择您所在的楼栋")
        for name in ("lon", "lat"):
            for code in ("invalid", "min_value", "max_value"):
                self.fields[name].error_messages[code] = invalid

    def clean_channel(self) -> str:
        channel = self.cleaned_data["channel"]
        return channel if channel in CHANNELS else "one_click_alarm"

    def add_service_error(self, field: str, messages: list[str]) -> None:
        super().add_service_error(SERVICE_FIELDS.get(field, field), messages)

    def location(self, *, group=None) -> dict:
        """Where the alarm is, as ``raise_alarm`` keyword arguments: the kiosk's own place;
        else the point the phone gave (now, or the last one it remembered); else the
        building or grid the resident chose (now or once before); else the group's place.
        None of them: no place, and the service says so. An unknown code is an error on
        its field."""
        data = self.cleaned_data
        if data["channel"] == "kiosk" and data["kiosk_place"]:
            building = alarm_selectors.public_building(data["kiosk_place"])
            if building is None:
                raise ValidationError(
                    {
                        "kiosk_place": _(
                            "本终端设置的楼栋编码“%(code)s”不存在，请联系工作人员重新设置；"
                            "紧急情况请直接拨打 110"
                        )
                        % {"code": data["kiosk_place"]}
                    }
                )
            return {"building": building, "location_source": "kiosk"}
        if data["lon"] is not None and data["lat"] is not None:
            source = data["location_source"]
            return {
                "lon": data["lon"],
                "lat": data["lat"],
                "location_source": source if source in POINT_SOURCES else "device",
            }
        chosen = self._chosen_place()
        if chosen:
            return chosen
        if group is not None:
            return _group_place(group)
        return {"location_source": "device"}

    def _chosen_place(self) -> dict:
        data = self.cleaned_data
        for building_field, grid_field in (
            ("building", "grid_code"),
            ("saved_building", "saved_grid"),
        ):
            code = data[building_field]
            if code:
                building = alarm_selectors.public_building(code)
                if building is None:
                    message = _("没有找到这个楼栋（编码 %(code)s），请重新选择") % {"code": code}
                    raise ValidationError({building_field: message})
                return {"building": building, "location_source": "building"}
            if data[grid_field]:
                return {"grid_code": data[grid_field], "location_source": "building"}
        return {}


def _group_place(group) -> dict:
    """A group's building, else its grid, else the first grid of its community."""
    if group.building_id:
        return {"building": group.building, "location_source": "group"}
    if group.region.level == "grid":
        return {"grid_code": group.region.code, "location_source": "group"}
    grid = community.grids_of(group).order_by("code").first()
    if grid is None:
        return {"location_source": "group"}
    return {"grid_code": grid.code, "location_source": "group"}
