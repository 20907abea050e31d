"""The choice of region and period for the official statistics (a GET form)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.analytics import official

# More regions than this in the select and the villages are left out of it: a province's
# analyst reaches a village through its township's rows instead.
MAX_OPTIONS = 400


def _region_choices(user, current) -> list[tuple[str, str]]:
    regions = list(official.regions_for(user)[: MAX_OPTIONS + 1])
    if len(regions) > MAX_OPTIONS:
        regions = list(official.regions_for(user).exclude(level="community"))
        if current is not None and current.code not in {r.code for r in regions}:
            regions = sorted([*regions, current], key=lambda r: r.path)
    top = min((r.depth for r in regions), default=0)
    # Indented by depth with ideographic spaces, which a select keeps.
    return [(r.code, "\u3000" * (r.depth - top) + r.name) for r in regions]


class OfficialForm(forms.Form):
    """Region, year and a month or a quarter. Cleaning looks the region up in the user's
    jurisdiction: one outside it raises Http404, as for any record."""

    region = forms.CharField(label=_("统计区域"), required=False)
    year = forms.CharField(label=_("年份"), required=False, max_length=4)
    # Plain text fields drawn as selects: the period's own rule checks them, with its words.
    month = forms.CharField(
        label=_("月份"),
        required=False,
        widget=forms.Select(
            choices=[("", _("（不选）"))] + [(str(m), f"{m}") for m in range(1, 13)]
        ),
    )
    quarter = forms.CharField(
        label=_("季度"),
        required=False,
        widget=forms.Select(
            choices=[("", _("（不选）"))] + [(str(q), f"{q}") for q in range(1, 5)]
        ),
    )

    def __init__(self, user, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.user = user
        code = self.data.get("region", "") if self.is_bound else ""
        # The select shows the region asked for even where it would not list it.
        try:
            current = official.region_for(user, code) if code else None
        except ValidationError:
            current = None  # said again, as the field's error, when the form is cleaned
        self.current_region = current
        self.fields["region"].widget = forms.Select(choices=_region_choices(user, current))
        self.fields["year"].widget = forms.NumberInput(
            attrs={"min": official.FIRST_YEAR, "max": timezone.localdate().year}
        )

    def clean_region(self):
        if self.current_region is not None:
            return self.current_region
        try:
            return official.region_for(self.user, self.cleaned_data["region"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["region"]) from None

    def clean(self):
        data = super().clean()
        try:
            data["period"] = official.OfficialPeriod.parse(
                data.get("year"), data.get("month"), data.get("quarter")
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(name, message)
        return data
