"""The one door: every report from every channel enters through ``submit_report``."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import sealing, taxonomy
from fengqiao.audit import services as audit
from fengqiao.disputes import services as disputes
from fengqiao.idempotency import sender_of, stored_key
from fengqiao.inserts import insert_together
from fengqiao.intake import grading, replies
from fengqiao.intake.models import Report, ReportPhoto, ReportReply
from fengqiao.org.scope import in_scope, person_of
from fengqiao.org.selectors import packages_for_place
from fengqiao.phones import normalize_phone
from fengqiao.photos import content_type_of, photo_problem
from fengqiao.places import selectors as places
from fengqiao.places.models import Building, Region
from fengqiao.registry import selectors as registry
from fengqiao.registry.matching import community_path_of

TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud on a phone
TRACKING_LENGTH = 10
MAX_PHOTOS = 6
# The channels a resident or an anonymous visitor reports through; the rest are staff's.
PUBLIC_CHANNELS = frozenset({"web", "kiosk", "one_click_alarm", "open311"})
# The channels an alarm (kind "alarm") may arrive by: dispatch's own doors.
ALARM_CHANNELS = frozenset({"one_click_alarm", "kiosk", "alarm_110"})
REOPEN_WINDOW = dt.timedelta(days=30)
MAX_REPLY_CHARS = 2000
# The same reply sent again this soon is the same request (a double tap, a resent form).
REPLY_REPEAT_WINDOW = dt.timedelta(minutes=10)
# Following ``duplicate_of`` from a report to the original ends within this many steps.
MAX_DUPLICATE_CHAIN = 20

# Sent with ``report`` inside the transaction that stores a new report, after its case is
# opened: the modules above intake (dispatch) turn it into their own records, so a failure
# there rolls the report back too.
report_submitted = Signal()


@dataclass(frozen=True)
class Submission:
    report: Report
    created: bool


def submit_report(
    *,
    channel: str,
    kind: str,
    text: str,
    category: str = "",
    risk: str = "",
    level: int | None = None,
    dispatch: bool | None = None,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    grid_code: str = "",
    building: Building | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    anonymous: bool = False,
    client_key: str | None = None,
    sender: str = "",
    actor=None,
    photos: list[UploadedFile] | tuple = (),
    parties: list[dict] | None = None,
    source: str = "",
    ask_grid: bool = False,
    chosen_grid: str = "",
    incident_number: str = "",
) -> Submission:
    """Validate, grade, store, locate and route a report; a dispute also opens a case.

    Triage reads the text and fills in whatever the caller left out (category, risk,
    level, dispatch); its prediction is kept on the report, and a member of staff who
    grades differently leaves a correction for the corpus. If triage fails the report is
    stored all the same, flagged for manual grading.

    Who may report what, where: anyone may report through the public channels; staff need
    ``intake.add_report`` and every place they name (point, grid, building, address) must
    lie in their jurisdiction, checked again on what was written before it commits.

    A map point within 30 m of a grid's edge may belong to the neighbour: with ``ask_grid``
    (the public form) such a report is refused on ``chosen_grid`` until the reporter picks
    one of the grids near the point (``places.grids_near``), which is then used and marked
    ``grid_confirmed``; a ``chosen_grid`` not among them is refused.

    Idempotent on ``client_key`` per sender and channel: the same key from the same sender
    (the signed-in ``actor``, else the ``sender`` the caller names: a browser session, an
    Open311 key, a server-side conversion) returns the report it first created
    (``created`` False) and changes nothing; from anyone else it is a new request. Every
    problem is reported at once as a ValidationError keyed by field. Nothing is stored
    unless everything is.
    """
    _ensure_may_report(actor, channel)
    client_key = stored_key(key=client_key, sender=sender or sender_of(actor), channel=channel)
    try:
        return _store_new(
            channel=channel,
            kind=kind,
            text=text,
            category=category,
            risk=risk,
            level=level,
            dispatch=dispatch,
            lon=lon,
            lat=lat,
            address=address,
            grid_code=grid_code,
            building=building,
            reporter_name=reporter_name,
            reporter_phone=reporter_phone,
            anonymous=anonymous,
            client_key=client_key,
            actor=actor,
            photos=photos,
            parties=parties,
            source=source,
            ask_grid=ask_grid,
            chosen_grid=chosen_grid,
            incident_number=incident_number,
        )
    except (ValidationError, PermissionDenied, IntegrityError):
        # A key already used returns its report, whatever this request said: the unique
        # index on ``client_key`` finds a repeat at the insert (also the same key sent twice
        # at once: the first one won), so a fresh key costs no query to look it up first.
        if client_key:
            existing = Report.objects.filter(client_key=client_key).first()
            if existing is not None:
                return Submission(existing, created=False)
        raise


def _store_new(
    *,
    channel,
    kind,
    text,
    category,
    risk,
    level,
    dispatch,
    lon,
    lat,
    address,
    grid_code,
    building,
    reporter_name,
    reporter_phone,
    anonymous,
    client_key,
    actor,
    photos,
    parties,
    source,
    ask_grid,
    chosen_grid,
    incident_number,
) -> Submission:
    """``submit_report`` for a request whose key (``client_key``, as stored) is new."""
    values = _validated(
        channel=channel,
        kind=kind,
        text=text,
        category=category,
        risk=risk,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        photos=photos,
    )
    grid, building, near_boundary = _place(
        lon=lon, lat=lat, address=address, grid_code=grid_code, building=building
    )
    grid, grid_confirmed = _confirmed_grid(
        grid, lon=lon, lat=lat, near=near_boundary, ask=ask_grid, chosen=chosen_grid
    )
    _ensure_place_in_scope(actor, grid, building, field=_place_field(lon, lat, grid_code, building))
    std_address = registry.standard_address_for(
        address, within=community_path_of(grid.path)
    ) or registry.door_address_of(building)
    reporter_resident = registry.resident_by_phone(values["reporter_phone"])
    chosen = {"category": category or None, "risk": risk or None, "level": level}
    chosen["dispatch"] = dispatch
    prediction = grading.grade(values["text"])
    values.update(_graded(kind, chosen, prediction))
    report = Report(
        tracking_code=new_tracking_code(),
        client_key=client_key,
        source=source[:64],
        lon=lon,
        lat=lat,
        address=address.strip(),
        std_address=std_address,
        reporter_resident=reporter_resident,
        grid=grid,
        building=building,
        near_boundary=near_boundary,
        grid_confirmed=grid_confirmed,
        anonymous=anonymous,
        triage=prediction,
        needs_grading=prediction is None,
        reporter=actor if _is_resident(actor) else None,
        created_by=actor if actor is not None and not _is_resident(actor) else None,
        created_at=timezone.now(),
        status=Report.Status.IN_PROGRESS if kind == Report.Kind.DISPUTE else Report.Status.OPEN,
        **{name: value for name, value in values.items() if name != "reporter_phone"},
        **sealing.phone_columns(values["reporter_phone"]),  # never stored in the clear
    )
    packages = packages_for_place(grid, building)
    # One chain-head read and one insert for the report's and the case's audit rows.
    with transaction.atomic(), audit.batched():
        assignees = sorted(_responsible(packages), key=lambda person: person.pk)
        # As ``Report.save`` sets it: ``insert_together`` does not call it.
        report.scope_path = grid.path
        case = None
        if kind == Report.Kind.DISPUTE:
            # The report goes in with its case, already linked to it, in the case's one
            # statement. The link lives on intake's side: disputes does not know reports.
            case = disputes.open_case_for_report(
                report=report,
                actor=actor,
                title=_title_of(text),
                narrative=values["text"],
                category=values["category"],
                risk=values["risk"],
                level=level or (prediction or {}).get("level"),
                channel=channel,
                grid=grid,
                building=building,
                address=address,
                std_address=std_address,
                parties=parties or _reporter_as_party(values),
                received_at=report.created_at,
                packages=packages,
                incident_number=incident_number,
                write_with=lambda case: _linked_rows(report, case, assignees),
            )
        else:
            insert_together(_linked_rows(report, None, assignees), reads=audit.head_reads())
        _remember_assignees(report, assignees)
        for photo in photos:
            _store_photo(report, photo)
        _ensure_written_in_scope(actor, report, case)
        report_submitted.send(sender=Report, report=report, actor=actor)
        if not _is_resident(actor):
            grading.record_corrections(report, chosen, actor)
        audit.record(
            actor=actor,
            action="intake.report_submitted",
            obj=report,
            changes={"kind": kind, "channel": channel, "grid": grid.code},
        )
    return Submission(report, created=True)


def close_report(*, report: Report, actor, note: str = "") -> Report:
    """Close a non-dispute report (a dispute closes through its case)."""
    _ensure_staff_in_scope(actor, report)
    if report.kind == Report.Kind.DISPUTE:
        raise ValidationError(_("纠纷类反映随案件办结"))
    if report.status == Report.Status.CLOSED:
        raise ValidationError(_("这条反映已经办结"))
    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(
            status=Report.Status.CLOSED, closed_at=timezone.now()
        )
        report.refresh_from_db()
        audit.record(actor=actor, action="intake.report_closed", obj=report, changes={"note": note})
    return report


def record_feedback(*, tracking_code: str, feedback: str, satisfaction: int) -> Report:
    """The reporter says whether it was fixed, and how satisfied they are (1–5)."""
    report = find_by_tracking_code(tracking_code)
    if feedback not in Report.Feedback.values:
        raise ValidationError({"feedback": _("请选择：已解决、部分解决或未解决")})
    if not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        raise ValidationError({"satisfaction": _("满意度请选择 1 到 5 分")})
    if not _finished(report):
        raise ValidationError(_("办结后才能评价"))
    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(
            feedback=feedback, satisfaction=satisfaction, feedback_at=timezone.now()
        )
        report.refresh_from_db()
        audit.record(
            actor=None,
            action="intake.feedback",
            obj=report,
            changes={"feedback": feedback, "satisfaction": satisfaction},
        )
    return report


def reopen_report(*, tracking_code: str, reason: str) -> Report:
    """The reporter reopens a finished report within 30 days of it being closed."""
    report = find_by_tracking_code(tracking_code)
    if not reason.strip():
        raise ValidationError({"reason": _("请说明为什么需要重新处理")})
    closed_at = _closed_at(report)
    if closed_at is None:
        raise ValidationError(_("这条反映还在办理中，不需要重新打开"))
    if timezone.now() - closed_at > REOPEN_WINDOW:
        raise ValidationError(_("办结已超过 30 天，请重新提交反映"))
    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(
            status=Report.Status.IN_PROGRESS
            if report.kind == Report.Kind.DISPUTE
            else Report.Status.OPEN,
            closed_at=None,
            reopened=report.reopened + 1,
        )
        if report.kind == Report.Kind.DISPUTE:
            disputes.reopen_for_reporter(case=report.case, reason=reason)
        report.refresh_from_db()
        audit.record(actor=None, action="intake.reopened", obj=report, changes={"reason": reason})
    return report


def reply_to_reporter(*, report: Report, actor, text: str, template: str = "") -> ReportReply:
    """Answer the reporter: the text appears on the public status page (never the writer's
    name) and, for a report with a case, on the case's timeline.

    Needs ``intake.change_report`` and the report in the actor's jurisdiction. ``template``
    names the reply template it began from (``intake.replies``). The same text sent again
    within ``REPLY_REPEAT_WINDOW`` returns the first reply and writes nothing.
    """
    _ensure_staff_in_scope(actor, report)
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = _("请填写答复内容")
    elif len(text) > MAX_REPLY_CHARS:
        errors["text"] = _("答复太长，请控制在 %(n)s 字以内") % {"n": MAX_REPLY_CHARS}
    if template and replies.template_named(template) is None:
        errors["template"] = _("没有这个答复模板")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        repeated = ReportReply.objects.filter(
            report=report, text=text, at__gte=now - REPLY_REPEAT_WINDOW
        ).first()
        if repeated is not None:
            return repeated
        reply = ReportReply.objects.create(
            report=report, text=text, template=template, by=actor, at=now
        )
        if report.case_id is not None:
            disputes.append_event(
                report.case, actor, "reporter_replied", note=text, payload={"template": template}
            )
        audit.record(
            actor=actor,
            action="intake.replied",
            obj=report,
            changes={"template": template, "reply": reply.pk},
        )
    return reply


def mark_duplicate(
    *, report: Report, actor, of: Report, reason: str, merge: bool = False
) -> Report:
    """Record that ``report`` is about the same matter as ``of`` (pointing at the original
    ``of`` was itself marked a duplicate of), with the reason.

    ``merge`` also folds it in: a dispute's case is merged into the original's case
    (``disputes.merge_case``, which checks the actor may act on both), any other report is
    closed. Without ``merge`` the report's case, if any, gets a timeline entry and carries
    on. Needs ``intake.change_report`` and both reports in the actor's jurisdiction; a
    report already marked is refused, so a doubled request changes nothing.
    """
    _ensure_staff_in_scope(actor, report)
    reason = (reason or "").strip()
    original = _original_of(of)
    errors = {}
    if not in_scope(actor, of) or not in_scope(actor, original):
        errors["of"] = _("要对照的反映不存在或不在您的辖区")
    elif original.pk == report.pk:
        errors["of"] = _("不能把反映标记为和它自己重复")
    if not reason:
        errors["reason"] = _("请说明为什么是重复反映")
    elif len(reason) > 200:
        errors["reason"] = _("原因请控制在 200 字以内")
    if merge and report.case_id is not None and original.case_id is None:
        errors["merge"] = _("原反映没有立案，无法合并案件；可以只标记为重复")
    if merge and report.case_id is None and report.kind == Report.Kind.DISPUTE:
        errors["merge"] = _("这条反映没有案件，无法合并；可以只标记为重复")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        fields = {"duplicate_of": original, "duplicate_reason": reason}
        if merge and report.case_id is None:
            fields.update(status=Report.Status.CLOSED, closed_at=timezone.now())
        updated = Report.objects.filter(pk=report.pk, duplicate_of__isnull=True).update(**fields)
        if not updated:
            raise ValidationError({"of": _("这条反映已经标记为重复")})
        if report.case_id is not None:
            if merge:
                disputes.merge_case(
                    case=report.case, actor=actor, into=original.case, reason=reason
                )
            else:
                disputes.append_event(
                    report.case,
                    actor,
                    "marked_duplicate",
                    note=reason,
                    payload={"of": original.tracking_code},
                )
        if original.case_id is not None and not merge:
            # The original's case hears the matter came back: a repeat complaint it counts
            # (a merge is counted by the merged case itself).
            disputes.append_event(
                original.case,
                actor,
                "duplicate_report",
                note=reason,
                payload={"report": report.tracking_code},
            )
        report.refresh_from_db()
        audit.record(
            actor=actor,
            action="intake.marked_duplicate",
            obj=report,
            changes={"of": original.tracking_code, "reason": reason, "merged": merge},
        )
    return report


def _original_of(report: Report) -> Report:
    """The report a chain of duplicates leads back to."""
    seen = {report.pk}
    for _step in range(MAX_DUPLICATE_CHAIN):
        if report.duplicate_of_id is None or report.duplicate_of_id in seen:
            break
        report = Report.objects.select_related("case").get(pk=report.duplicate_of_id)
        seen.add(report.pk)
    return report


def find_by_tracking_code(tracking_code: str) -> Report:
    code = (tracking_code or "").strip().upper()
    report = Report.objects.filter(tracking_code=code).first()
    if report is None:
        raise ValidationError({"tracking_code": _("没有找到这个查询码，请核对后再试")})
    return report


# --- validation and routing ------------------------------------------------------------


def _validated(
    *, channel, kind, text, category, risk, reporter_name, reporter_phone, photos
) -> dict:
    errors: dict[str, str] = {}
    if channel not in taxonomy.codes("channel"):
        errors["channel"] = _("未知的渠道")
    if kind not in Report.Kind.values:
        errors["kind"] = _("请选择反映类型")
    elif kind == Report.Kind.ALARM and channel not in ALARM_CHANNELS:
        errors["kind"] = _("报警请使用一键报警或拨打 110")
    if category and category not in taxonomy.codes("category"):
        errors["category"] = _("未知的类别")
    if risk and risk not in taxonomy.codes("risk"):
        errors["risk"] = _("未知的风险等级")
    text = (text or "").strip()
    if len(text) < 5:
        errors["text"] = _("请把情况写清楚一些（至少 5 个字）")
    elif len(text) > 5000:
        errors["text"] = _("内容太长，请控制在 5000 字以内")
    try:
        phone = normalize_phone(reporter_phone)
    except ValidationError as error:
        errors["reporter_phone"] = error.messages[0]
        phone = ""
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("最多上传 %(n)s 张照片") % {"n": MAX_PHOTOS}
    for photo in photos:
        problem = photo_problem(photo)
        if problem:
            errors["photos"] = problem
    if errors:
        raise ValidationError(errors)
    return {
        "channel": channel,
        "kind": kind,
        "text": text,
        "reporter_name": reporter_name.strip()[:50],
        "reporter_phone": phone,
    }


def _graded(kind: str, chosen: dict, prediction: dict | None) -> dict:
    """The report's grading: what the caller chose, else triage's reading, else the safe
    defaults (a dispute nobody could classify is "other", to be graded by hand)."""
    guess = prediction or {}
    fallback_category = "other" if kind == Report.Kind.DISPUTE else ""
    dispatch = chosen["dispatch"]
    return {
        "category": chosen["category"] or guess.get("category") or fallback_category,
        "risk": chosen["risk"] or guess.get("risk") or "blue",
        "dispatch": guess.get("dispatch", False) if dispatch is None else dispatch,
    }


def _place(*, lon, lat, address, grid_code, building) -> tuple[Region, Building | None, bool]:
    """The grid (and building) of a report: from a map point, a chosen grid or building, or
    an address that names a building or a place (``places.locate_text``; an address that
    could mean several places is refused with them named, never guessed)."""
    if lon is not None or lat is not None:
        try:
            location = places.locate(lon, lat)
        except ValueError as error:
            raise ValidationError({"lon": str(error)}) from None
        if location is None:
            raise ValidationError(
                {"lon": _("这个位置不在本地任何网格内，请在地图上重新选择或填写地址")}
            )
        return location.grid, building, location.near_boundary
    if building is not None:
        return building.grid, building, False
    if grid_code:
        grid = Region.objects.filter(code=grid_code, level="grid").first()
        if grid is None:
            raise ValidationError({"grid_code": _("没有这个网格：%(code)s") % {"code": grid_code}})
        return grid, None, False
    found = places.locate_text(address)
    if found.not_sure:
        raise ValidationError(
            {
                "address": _("地址可能在多个地方：%(places)s，请在地图上选择或选择网格")
                % {"places": "、".join(place.label for place in found.candidates[:3])}
            }
        )
    if not found.found:
        raise ValidationError(
            {"address": _("无法确定位置：请在地图上点选、选择网格，或填写更具体的地址")}
        )
    return found.grid, found.building, False


def _confirmed_grid(grid: Region, *, lon, lat, near: bool, ask: bool, chosen: str):
    """The grid the reporter confirmed for a point near an edge, and whether they did."""
    chosen = (chosen or "").strip()
    if lon is None or lat is None or not (chosen or (near and ask)):
        return grid, False
    candidates = places.grids_near(lon, lat)
    if chosen:
        for candidate in candidates:
            if candidate.code == chosen:
                return candidate, True
        raise ValidationError({"chosen_grid": _("请从列出的网格中选择一个")})
    if len(candidates) > 1:
        raise ValidationError({"chosen_grid": _("您的位置靠近网格边界，请确认事情发生在哪个网格")})
    return grid, False


def _responsible(packages: dict) -> list:
    """Everyone who packages the place: the grid's people and the building's heads."""
    return list(dict.fromkeys(person for holders in packages.values() for person in holders))


def _linked_rows(report: Report, case, assignees: list) -> list:
    """The report, linked to its case (if any), and its assignees' rows: new rows to write
    together."""
    if case is not None:
        # Also caches ``case.report`` for the callers who read it next.
        report.case = case
    through = Report.assignees.through
    return [report, *[through(report=report, person=person) for person in assignees]]


def _remember_assignees(report: Report, people: list) -> None:
    """Hold ``people`` (ordered by id, as the API reads them) as the report's prefetched
    assignees, as ``prefetch_related`` would, so the caller that shows the report does not
    read back what was just written."""
    assignees = report.assignees.all()
    assignees._result_cache = people
    assignees._prefetch_done = True
    report._prefetched_objects_cache = {"assignees": assignees}


def _store_photo(report: Report, photo) -> None:
    ReportPhoto.objects.create(
        report=report, image=photo, content_type=content_type_of(photo), size=photo.size
    )


def new_tracking_code() -> str:
    """Ten characters from a 31-letter alphabet: 8e14 codes, so a clash is left to the
    unique index rather than checked with a query per report."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def _title_of(text: str) -> str:
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    return first_line[:30]


def _reporter_as_party(values: dict) -> list[dict]:
    if not values["reporter_name"]:
        return []
    return [
        {"role": "applicant", "name": values["reporter_name"], "phone": values["reporter_phone"]}
    ]


def _is_resident(actor) -> bool:
    return getattr(actor, "is_authenticated", False) and person_of(actor) is None


def _is_staff(actor) -> bool:
    return getattr(actor, "is_authenticated", False) and (
        actor.is_superuser or person_of(actor) is not None
    )


def _ensure_may_report(actor, channel: str) -> None:
    """Residents and anonymous visitors report through the public channels; staff take
    reports down from any channel if their role lets them."""
    if _is_staff(actor):
        if not actor.has_perm("intake.add_report"):
            raise PermissionDenied(_("您没有登记反映的权限"))
    elif channel in taxonomy.codes("channel") and channel not in PUBLIC_CHANNELS:
        raise PermissionDenied(_("这个渠道只能由工作人员登记"))


def _place_field(lon, lat, grid_code: str, building) -> str:
    if lon is not None or lat is not None:
        return "lon"
    if building is not None:
        return "building"
    return "grid_code" if grid_code else "address"


def _ensure_place_in_scope(actor, grid: Region, building: Building | None, *, field: str):
    """Staff may only put reports in their own jurisdiction; the public may report anywhere."""
    if not _is_staff(actor):
        return
    if not in_scope(actor, grid) or (building is not None and not in_scope(actor, building)):
        raise ValidationError({field: _("这个位置不在您的辖区内")})


def _ensure_written_in_scope(actor, report: Report, case) -> None:
    """The same rule on what was written, inside the transaction, so a save that lands
    outside the actor's jurisdiction (however it got there) rolls back."""
    if not _is_staff(actor):
        return
    if not in_scope(actor, report) or (case is not None and not in_scope(actor, case)):
        raise ValidationError({"grid_code": _("这个位置不在您的辖区内")})


def _ensure_staff_in_scope(actor, report: Report) -> None:
    if actor is None or not actor.has_perm("intake.change_report") or not in_scope(actor, report):
        raise PermissionDenied(_("您没有办理这条反映的权限"))


def _finished(report: Report) -> bool:
    return _closed_at(report) is not None


def _closed_at(report: Report):
    if report.kind == Report.Kind.DISPUTE:
        case = getattr(report, "case", None)
        return case.closed_at if case is not None else None
    return report.closed_at
