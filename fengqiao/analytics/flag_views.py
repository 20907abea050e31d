"""The flags page: the flags in the user's jurisdiction with their evidence and cases,
filtered by status and kind; who may decide one confirms or dismisses it here with a note
(a POST naming the flag; the service checks the right, the scope and the unit)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fengqiao.analytics import flags
from fengqiao.analytics.models import Flag

PAGE_SIZE = 50
DECISIONS = {"confirm": flags.confirm_flag, "dismiss": flags.dismiss_flag}


def _filters(params) -> dict[str, str]:
    status = params.get("status", "")
    kind = params.get("kind", "")
    return {
        "status": status if status in Flag.Status.values else "",
        "kind": kind if kind in Flag.Kind.values else "",
    }


def _rows(user, page) -> list[dict]:
    return [
        {
            "flag": flag,
            "evidence": flags.evidence_lines(flag),
            "may_decide": flag.status == Flag.Status.OPEN and flags.may_decide(user, flag),
        }
        for flag in page
    ]


def _decide(request):
    """Apply a decision from the POST; returns the errors to show, or None when done."""
    if not request.user.has_perm(flags.CHANGE_FLAG):
        raise PermissionDenied
    flag = flags.get_flag_for(request.user, request.POST.get("flag"))
    decide = DECISIONS.get(request.POST.get("decision", ""))
    if decide is None:
        return flag, {"decision": [_("请选择：确认属实或排除")]}
    try:
        decide(actor=request.user, flag=flag, note=request.POST.get("note", ""))
    except ValidationError as error:
        return flag, error.message_dict
    except flags.FlagDecided as error:
        messages.warning(request, str(error))
        return flag, None
    if request.POST["decision"] == "confirm":
        messages.success(request, _("已确认，这条线索将计入考核扣分"))
    else:
        messages.success(request, _("已排除，这条线索不计入考核"))
    return flag, None


@login_required
@permission_required(flags.VIEW_FLAG, raise_exception=True)
@require_http_methods(["GET", "POST"])
def flag_list(request):
    """异常线索: open ones first by default; ``?id=`` shows one flag."""
    errors, failed = None, None
    if request.method == "POST":
        failed, errors = _decide(request)
        if errors is None:
            return redirect(f"{reverse('analytics:flags')}?id={failed.pk}")
    filters = _filters(request.GET)
    found = flags.flags_for(request.user, **filters)
    only = request.GET.get("id", "")
    if only.isdigit():
        found = found.filter(pk=only)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "rows": _rows(request.user, page),
        "page": page,
        "filters": filters,
        "statuses": Flag.Status.choices,
        "kinds": Flag.Kind.choices,
        "errors": errors,
        "failed": failed,
        "posted_note": request.POST.get("note", "") if errors else "",
    }
    return render(request, "analytics/flags.html", context, status=400 if errors else 200)
