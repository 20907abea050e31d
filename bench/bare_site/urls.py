"""The product's URLs plus ``/bench/bare-insert/``: a POST that inserts one row into
``intake_report`` through the cursor, the floor a full report POST is compared with in the
same server and the same run (``bench/intake.py``)."""

import uuid

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from fengqiao.intake.models import Report
from fengqiao.intake.services import new_tracking_code
from fengqiao.urls import urlpatterns as product_urlpatterns

BARE_PATH = "bench/bare-insert/"
_FIELDS = [f for f in Report._meta.concrete_fields if not f.primary_key]
_SQL = "INSERT INTO {} ({}) VALUES ({})".format(
    connection.ops.quote_name(Report._meta.db_table),
    ", ".join(connection.ops.quote_name(f.column) for f in _FIELDS),
    ", ".join(["%s"] * len(_FIELDS)),
)
_template: dict | None = None  # a prepared row's values by column, made once per process


def _row(grid_id: int, scope_path: str) -> list:
    global _template
    if _template is None:
        report = Report(
            kind="hazard",
            channel="web",
            risk="blue",
            text="bench bare insert",
            grid_id=grid_id,
            scope_path=scope_path,
            created_at=timezone.now(),
        )
        _template = {
            f.column: f.get_db_prep_save(f.pre_save(report, True), connection) for f in _FIELDS
        }
    values = dict(_template)
    values.update(
        # The product's own codes: "BARE" and six hex digits clashed about once in a
        # closed loop of 6,500 rows (the birthday bound), an error that was the bench's.
        tracking_code=new_tracking_code(),
        client_key="bare-" + uuid.uuid4().hex,
        created_at=connection.ops.adapt_datetimefield_value(timezone.now()),
        grid_id=grid_id,
        scope_path=scope_path,
    )
    return [values[f.column] for f in _FIELDS]


@csrf_exempt
@require_POST
def bare_insert(request):
    """One row in (autocommit: its own transaction), 201 out: no validation, no routing,
    no audit, no template."""
    row = _row(int(request.POST["grid_id"]), request.POST["scope_path"])
    with connection.cursor() as cursor:
        cursor.execute(_SQL, row)
    return HttpResponse(status=201)


urlpatterns = [path(BARE_PATH, bare_insert), *product_urlpatterns]
