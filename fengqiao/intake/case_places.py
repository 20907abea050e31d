"""A report follows its case when staff move the case to another grid or building (改派):
the place was wrong, so the report's was too, and the people of the new place must see the
report their case links to."""

from __future__ import annotations

from fengqiao.disputes import services as disputes
from fengqiao.intake.models import Report


def follow_case(sender, *, case, **kwargs) -> None:
    """Move the case's report to the case's grid and building (and so its jurisdiction);
    runs inside the transaction that moved the case."""
    Report.objects.unscoped_for_jobs().filter(case=case).update(
        grid=case.grid, building=case.building, scope_path=case.grid.path
    )


def register() -> None:
    disputes.case_moved.connect(follow_case, dispatch_uid="intake.follow_case")
