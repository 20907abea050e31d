from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from fengqiao import taxonomy
from fengqiao.home import selectors
from fengqiao.org.permissions import roles_of
from fengqiao.org.scope import person_of

MAX_CODE_CHARS = 40  # a building's code (places.Building.code)


@login_required
def home(request):
    """The user's to-do list: a staff member's counts, each opening its list, most urgent
    first; a resident's big buttons and their own reports, groups and building."""
    user = request.user
    person = person_of(user)
    context = {
        "person": person,
        "role_labels": [
            taxonomy.label("role", code) for code in sorted(roles_of(user) - {"resident"})
        ],
    }
    if selectors.is_staff_home(user):
        context["sections"] = selectors.staff_home(user)
    else:
        context["resident"] = selectors.resident_home(user)
    return render(request, "home/home.html", context)


@require_GET
def find_building(request):
    """我的楼栋谁负责: the code on the building's QR poster opens its public page (/b/<code>/),
    without script."""
    code = request.GET.get("code", "").replace("/", "").strip()[:MAX_CODE_CHARS]
    if not code:
        return redirect("home")
    return redirect("building:page", code)
