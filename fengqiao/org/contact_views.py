"""我的公开联系方式: a member of staff decides which number, if any, the public pages and
posters of the buildings they look after show. Only ever one's own (``set_public_contact``);
an administrator may only take a published number down (``clear_contact``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fengqiao.forms_support import ServiceErrorsMixin
from fengqiao.org import selectors, services
from fengqiao.org.models import Person
from fengqiao.org.scope import get_for
from fengqiao.privacy import display_phone


class PublicContactForm(ServiceErrorsMixin, forms.Form):
    phone = forms.CharField(label=gettext_lazy("公开电话"), required=False, max_length=30)


@login_required
def my_contact(request):
    """The number shown on the buildings' public pages; a blank number publishes none."""
    person = getattr(request.user, "person", None)  # one's own profile, nobody else's
    status = 200
    if person is None:
        form = PublicContactForm()
        status = 403 if request.method == "POST" else 200
    elif request.method == "POST":
        form = PublicContactForm(request.POST)
        withdraw = "withdraw" in request.POST
        if form.is_valid():
            phone = "" if withdraw else form.cleaned_data["phone"]
            try:
                services.set_public_contact(actor=request.user, phone=phone, person=person)
            except ValidationError as error:
                form.add_service_errors(error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, _("已公开您的联系电话") if phone else _("已不再公开您的联系电话")
                )
                return redirect("org:my_contact")
        status = 400
    else:
        form = PublicContactForm(initial={"phone": display_phone(person.public_phone)})
    context = {
        "form": form,
        "person": person,
        "published": display_phone(person.public_phone) if person else "",
        "assignments": selectors.current_assignments_of(person) if person else [],
    }
    return render(request, "org/my_contact.html", context, status=status)


@login_required
@permission_required("org.change_person", raise_exception=True)
@require_POST
def clear_contact(request, pk: int):
    """Take a person's published number down, with a reason (an administrator in scope);
    nobody can publish one for someone else."""
    person = get_for(request.user, Person.objects.all(), pk=pk)
    try:
        services.clear_public_contact(
            actor=request.user, person=person, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已撤下 %(name)s 的公开电话") % {"name": person.name})
    return redirect("org:person", pk=person.pk)
