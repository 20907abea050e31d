"""Setting up a group: staff create a community, grid or building group in their area."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from fengqiao.community import selectors, services
from fengqiao.community.models import Group
from fengqiao.forms_support import ServiceErrorsMixin
from fengqiao.org.scope import scope_to
from fengqiao.places.models import Building, Region


class GroupForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("群名称"), max_length=60)
    level = forms.ChoiceField(label=_("层级"), choices=Group.Level.choices)
    region = forms.ModelChoiceField(label=_("所属社区或网格"), queryset=Region.objects.none())
    building = forms.ModelChoiceField(
        label=_("楼栋（楼栋群必选）"), queryset=Building.objects.none(), required=False
    )
    parent = forms.ModelChoiceField(
        label=_("上级群"), queryset=Group.objects.none(), required=False
    )
    members_visible = forms.BooleanField(label=_("居民可以看到群成员"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        places = Region.objects.for_user(user).filter(level__in=("community", "grid"))
        self.fields["region"].queryset = places.defer("boundary").order_by("path")
        self.fields["building"].queryset = scope_to(
            user, Building.objects.exclude(use=Building.Use.PUBLIC)
        ).order_by("grid__path", "code")
        self.fields["parent"].queryset = selectors.groups_for(user).exclude(
            level=Group.Level.BUILDING
        )


@login_required
@permission_required("community.add_group", raise_exception=True)
def group_new(request):
    """A form to create a group; the creator joins it as staff and lands on its invite page."""
    form = GroupForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.create_group(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect("community:invite", pk=group.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "community/group_form.html", {"form": form}, status=status)
