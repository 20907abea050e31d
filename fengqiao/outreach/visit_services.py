"""Every write of household visits: ``record_visit`` (one call at a household, made on a
phone; a problem found goes through intake's one door) and ``reassign_task``."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.idempotency import sender_of, stored_key
from fengqiao.intake import services as intake
from fengqiao.org.models import Person
from fengqiao.org.scope import in_scope, person_of
from fengqiao.outreach.models import Campaign, VisitRecord, VisitTask
from fengqiao.registry.care import SEE_SENSITIVE
from fengqiao.registry.models import KeyPerson

ADD_RECORD = "outreach.add_visitrecord"
CHANGE_TASK = "outreach.change_visittask"
# The channel a visit's client key is bound to (fengqiao.idempotency).
VISIT_KEY_CHANNEL = "outreach_visit"
MAX_TEXT_CHARS = 2000
MAX_PEOPLE_HOME = 50
# What a problem found on a visit may become in intake.
PROBLEM_KINDS = ("dispute", "hazard", "registry", "suggestion", "service")
# The task's state after a visit with each outcome: met or checked empty is reached; a
# closed door or a refusal needs another call.
STATE_AFTER = {
    VisitRecord.Outcome.MET: VisitTask.State.REACHED,
    VisitRecord.Outcome.VACANT: VisitTask.State.REACHED,
    VisitRecord.Outcome.NOBODY_HOME: VisitTask.State.ATTEMPTED,
    VisitRecord.Outcome.REFUSED: VisitTask.State.ATTEMPTED,
}
# A task never goes back: reached stays reached after a later closed door.
_STATE_RANK = {VisitTask.State.PENDING: 0, VisitTask.State.ATTEMPTED: 1, VisitTask.State.REACHED: 2}
# Where intake's refusal of the problem report is shown on the visit form.
_PROBLEM_FIELDS = {"kind": "problem_kind"}


def state_after(current: str, outcome: str) -> str:
    """The task's state after a visit with ``outcome``: the further of the two."""
    new = STATE_AFTER[outcome]
    return new if _STATE_RANK[new] > _STATE_RANK[current] else current


def may_visit(actor, task: VisitTask) -> bool:
    """Whether the actor may record a visit to the task's household: it lies in their
    jurisdiction, or it was handed to them."""
    person = person_of(actor)
    return person is not None and (in_scope(actor, task) or task.assignee_id == person.pk)


def record_visit(
    *,
    actor,
    task: VisitTask,
    outcome: str,
    people_home=0,
    situation: str = "",
    problem: str = "",
    problem_kind: str = "",
    key_people_seen: Iterable[KeyPerson] = (),
    app_installed: bool = False,
    contact_card_given: bool = False,
    client_key: str | None = None,
) -> tuple[VisitRecord, bool]:
    """入户走访: the person signed in records one call at the task's household, at the
    server's time. Returns the record and whether it was made now.

    Who may: someone with ``outreach.add_visitrecord`` whose jurisdiction holds the
    household, or to whom the task was handed; while the campaign runs. Met: at least one
    person at home; nobody home or vacant: nobody. The key people seen must be key people
    living in that house (sensitive ones only for who may see them), and only when someone
    was met. A problem found becomes a report of ``problem_kind`` through intake's door
    (channel ``visit``) in the same transaction and the record keeps its tracking code; a
    report intake refuses refuses the visit too. The task becomes reached or attempted
    (never less than it was). Idempotent on ``client_key`` per sender.
    """
    person = person_of(actor) if actor is not None else None
    if person is None or not actor.has_perm(ADD_RECORD):
        raise PermissionDenied(_("只有走访人员可以登记走访"))
    key = stored_key(key=client_key, sender=sender_of(actor), channel=VISIT_KEY_CHANNEL)
    if key:
        existing = VisitRecord.objects.unscoped_for_jobs().filter(client_key=key).first()
        if existing is not None:
            return existing, False
    if not may_visit(actor, task):
        raise PermissionDenied(_("这户不在您的辖区，也没有分派给您"))
    situation, problem = (situation or "").strip(), (problem or "").strip()
    key_people_seen = list(key_people_seen)
    errors: dict[str, str] = {}
    campaign_problem = _campaign_closed(task.campaign)
    if campaign_problem:
        errors["task"] = campaign_problem
    if outcome not in VisitRecord.Outcome.values:
        errors["outcome"] = _("请选择走访结果：见到住户、无人在家、拒绝走访或房屋空置")
    people_home = _people_home(people_home)
    if people_home is None:
        errors["people_home"] = _("在家人数应为 0 到 %(n)s 的整数") % {"n": MAX_PEOPLE_HOME}
    elif outcome == VisitRecord.Outcome.MET and people_home < 1:
        errors["people_home"] = _("见到住户时请填写在家人数（至少 1 人）")
    elif outcome in (VisitRecord.Outcome.NOBODY_HOME, VisitRecord.Outcome.VACANT) and people_home:
        errors["people_home"] = _("无人在家或房屋空置时，在家人数应为 0")
    if len(situation) > MAX_TEXT_CHARS:
        errors["situation"] = _("家庭情况请控制在 %(n)s 字以内") % {"n": MAX_TEXT_CHARS}
    if len(problem) > MAX_TEXT_CHARS:
        errors["problem"] = _("发现的问题请控制在 %(n)s 字以内") % {"n": MAX_TEXT_CHARS}
    elif problem and problem_kind not in PROBLEM_KINDS:
        errors["problem_kind"] = _(
            "请选择问题类型：矛盾纠纷、安全隐患、信息登记、意见建议或办事求助"
        )
    if key_people_seen:
        if outcome != VisitRecord.Outcome.MET:
            errors["key_people_seen"] = _("没有见到住户时不能勾选见到的重点人员")
        else:
            strangers = _not_of_house(actor, task, key_people_seen)
            if strangers:
                errors["key_people_seen"] = _("这些人员不是这户的重点人员：%(names)s") % {
                    "names": "、".join(strangers)
                }
    if app_installed and outcome != VisitRecord.Outcome.MET:
        errors["app_installed"] = _("没有见到住户时不能登记已安装反诈App")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        record = VisitRecord(
            task=task,
            visited_at=now,
            visitor=person,
            outcome=outcome,
            people_home=people_home,
            situation=situation,
            problem=problem,
            app_installed=bool(app_installed),
            contact_card_given=bool(contact_card_given),
            client_key=key,
        )
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            # The same key sent twice at once by the same sender: the first one won.
            existing = (
                key and VisitRecord.objects.unscoped_for_jobs().filter(client_key=key).first()
            )
            if existing:
                return existing, False
            raise
        record.key_people_seen.set(key_people_seen)
        if problem:
            _report_problem(record, task, actor, problem, problem_kind)
        state = state_after(task.state, outcome)
        VisitTask.objects.unscoped_for_jobs().filter(pk=task.pk).update(
            state=state, last_visit_at=now
        )
        audit.record(
            actor=actor,
            action="outreach.visit_recorded",
            obj=record,
            changes={
                "task": task.pk,
                "outcome": outcome,
                "people_home": people_home,
                "state": [task.state, state],
                "report": record.report_code or None,
                "key_people_seen": sorted(k.pk for k in key_people_seen),
            },
        )
        task.state, task.last_visit_at = state, now
    return record, True


def _campaign_closed(campaign: Campaign) -> str:
    today = timezone.localdate()
    if campaign.kind != Campaign.Kind.VISIT:
        return _("这不是入户走访活动")
    if today < campaign.starts_on:
        return _("活动 %(day)s 才开始") % {"day": campaign.starts_on.isoformat()}
    if today > campaign.ends_on:
        return _("活动已于 %(day)s 结束") % {"day": campaign.ends_on.isoformat()}
    return ""


def _people_home(value) -> int | None:
    try:
        value = int(value or 0)
    except (TypeError, ValueError):
        return None
    return value if 0 <= value <= MAX_PEOPLE_HOME else None


def _not_of_house(actor, task: VisitTask, key_people: list[KeyPerson]) -> list[str]:
    """The names of those who are not key people living in the task's house (or whom the
    actor may not see)."""
    living = KeyPerson.objects.unscoped_for_jobs().filter(
        pk__in=[k.pk for k in key_people],
        active=True,
        resident__house_id=task.house_id,
        resident__moved_out__isnull=True,
    )
    if not actor.has_perm(SEE_SENSITIVE):
        living = living.filter(sensitive=False)
    ok = set(living.values_list("pk", flat=True))
    return [k.resident.name for k in key_people if k.pk not in ok]


def _report_problem(record: VisitRecord, task: VisitTask, actor, problem: str, kind: str) -> None:
    address = task.house.address
    place = (
        {"building": address.building}
        if address.building_id
        else {"grid_code": task.grid.code, "address": str(task.house)}
    )
    try:
        submission = intake.submit_report(
            channel="visit",
            kind=kind,
            text=problem,
            actor=actor,
            source=f"outreach.visitrecord:{record.pk}",
            **place,
        )
    except ValidationError as error:
        raise _on_problem_fields(error) from None
    except PermissionDenied as error:
        raise ValidationError({"problem": str(error)}) from None
    record.report_code = submission.report.tracking_code
    record.save(update_fields=["report_code"])


def _on_problem_fields(error: ValidationError) -> ValidationError:
    """Intake's refusal of the problem report, put on the visit form's problem fields."""
    if not hasattr(error, "error_dict"):
        return ValidationError({"problem": error.messages})
    moved: dict[str, list[str]] = {}
    for field, messages in error.message_dict.items():
        moved.setdefault(_PROBLEM_FIELDS.get(field, "problem"), []).extend(messages)
    return ValidationError(moved)


def reassign_task(*, actor, task: VisitTask, assignee: Person | None) -> VisitTask:
    """Hand a household's visit to another person (or to nobody). Police and chiefs, for a
    task in their jurisdiction and an active person in it. Audited with who had it."""
    if actor is None or not actor.has_perm(CHANGE_TASK) or not in_scope(actor, task):
        raise PermissionDenied(_("您没有分派走访任务的权限"))
    if assignee is not None and (not assignee.active or not in_scope(actor, assignee)):
        raise ValidationError({"assignee": _("请选择您辖区内在岗的人员")})
    before = task.assignee_id
    with transaction.atomic():
        task.assignee = assignee
        task.save(update_fields=["assignee"])
        audit.record(
            actor=actor,
            action="outreach.visit_task_reassigned",
            obj=task,
            changes={"assignee": [before, assignee.pk if assignee else None]},
        )
    return task
