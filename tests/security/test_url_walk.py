"""The wall between townships, proved on every URL the project serves.

The walk reads the URLconf. Every pattern must have an entry below saying how to name a
township-B record in it (or that it names none). Each is then asked for, with GET and
POST, by a member of staff of township A, by a resident and anonymously: records of B must
answer 403/404 (405 for a method the view does not take), lists must not show B, and the
database must be exactly as it was. A new URL pattern without an entry fails
``test_every_url_pattern_has_an_entry`` until someone decides how it is guarded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from fengqiao.audit.models import AuditEvent
from tests.security.conftest import Township
from tests.snapshots import db_snapshot

DENIED = {403, 404, 405}
# What a visitor who is not signed in, or not staff, may get instead: the login page.
DENIED_OR_LOGIN = DENIED | {302}


@dataclass(frozen=True)
class Entry:
    """How one URL pattern is asked for.

    ``record`` names township B's record in the URL (kwargs for the pattern), or is None
    for a list or a form; ``public`` pages are open to everyone by design (the report form,
    Open311, the login page) and are only checked for leaks; ``query`` is added to a list's
    GET (a search for B's name); ``post`` is a POST body aimed at township B."""

    record: Callable[[Township], dict] | None = None
    public: bool = False
    residents: bool = False  # a signed-in resident's own page (their groups, their inbox)
    query: dict = field(default_factory=dict)
    post: Callable[[Township, object], dict] | None = None
    # Shared across the county by design (the typical-case library): staff of township A
    # may read B's record, which must still show none of B's markers; residents and
    # visitors are refused.
    county_wide: bool = False


def _case(b):
    return {"reference": b.case.reference}


def _report(b):
    return {"code": b.report.tracking_code}


def _group(b):
    return {"pk": b.group.pk}


def _message(b):
    return {"message_pk": b.message.pk}


def _alert(b):
    return {"pk": b.alert.pk}


def _incident(b):
    return {"number": b.incident.number}


def _warning_in(w, **where) -> dict:
    """A warning with a stopped payment, as the form and the API send it."""
    return {
        "warned_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "level": "high",
        "method": "visit",
        "person_name": "越界劝阻",
        "outcome": "dissuaded",
        "payment_stopped": True,
        "amount_stopped": "100",
        **where,
    }


def _campaign_in_b(w) -> dict:
    """A visit campaign of township B's station over B's grid, as the campaign form sends it."""
    return {
        "name": "越界走访",
        "kind": "visit",
        "station": w.station_b.pk,
        "grids": [w.grid_b1.pk],
        "communities": [w.community_b.pk],
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
    }


def _service(b):
    return {"pk": b.service.pk}


def _service_code(b):
    return {"code": b.application.tracking_code}


def _application(b):
    return {"pk": b.application.pk}


def _employment(b) -> int:
    from fengqiao.registry.models import Employment

    return Employment.objects.filter(establishment=b.establishment).values_list("pk", flat=True)[0]


def _api(record=None, **kw) -> Entry:
    return Entry(record=record, **kw)


PAGES: dict[str, Entry] = {
    "": Entry(public=True),
    "accounts/login/": Entry(public=True),
    "accounts/logout/": Entry(public=True),
    # Offline first: the service worker, the manifest and the offline page name nobody.
    "sw.js": Entry(public=True),
    "manifest.webmanifest": Entry(public=True),
    "offline/": Entry(public=True),
    "i18n/setlang/": Entry(public=True),
    "api/schema/": Entry(public=True),
    "api/docs/": Entry(public=True),
    # figures: the briefs are for chiefs and the bureau (officer_a has no view_brief)
    "figures/briefs/": Entry(),
    "figures/briefs/<int:pk>.pdf": Entry(lambda b: {"pk": b.brief.pk}),
    "figures/briefs/<int:pk>.xlsx": Entry(lambda b: {"pk": b.brief.pk}),
    # The official statistics: officer_a asking for township B's form gets 404.
    "figures/official/": Entry(query={"region": "330699002", "format": "xlsx"}),
    # The dashboard and its drill-down: township B's region answers 404 to officer_a, and
    # so does a download of one of its tables.
    "figures/": Entry(query={"region": "330699002", "format": "xlsx", "table": "regions"}),
    "figures/cases/": Entry(query={"region": "330699002", "code": "cases_received"}),
    # Response times: township B's region answers 404 to officer_a, a table's download too.
    "figures/response/": Entry(
        query={"region": "330699002", "format": "xlsx", "table": "stations"}
    ),
    # Services to the people: township B's region answers 404 to officer_a, a download too.
    "figures/services/": Entry(
        query={"region": "330699002", "format": "xlsx", "table": "stations"}
    ),
    # Evaluation and flags: chiefs and the bureau (officer_a has no view_flag); a decision
    # aimed at township B's flag is refused and writes nothing.
    "figures/evaluation/": Entry(query={"kind": "station", "format": "xlsx"}),
    "figures/flags/": Entry(
        query={"kind": "quick_close"},
        post=lambda b, w: {"flag": b.flag.pk, "decision": "confirm", "note": "越界核实"},
    ),
    # The home page's building finder: a redirect to /b/<code>/, open to everyone.
    "home/building/": Entry(public=True, query={"code": "B-B1"}),
    # org and places
    # My jurisdiction: a resident (no grant) is told none is assigned; lists nothing of B.
    "org/area/": Entry(residents=True),
    "org/units/": Entry(),
    "org/units/<str:code>/": Entry(lambda b: {"code": "U33069902"}),
    "org/people/": Entry(query={"q": "officer_b"}),
    "org/people/<int:pk>/": Entry(lambda b: {"pk": b.assignment.person_id}),
    # One's own public contact number: a signed-in account's own page (an account
    # without a staff profile is told it has none); nobody else's can be named.
    "org/me/contact/": Entry(residents=True),
    # Taking a published number down: township B's person answers 404 and keeps it.
    "org/people/<int:pk>/public-contact/clear/": Entry(
        lambda b: {"pk": b.assignment.person_id}, post=lambda b, w: {"reason": "越界撤下"}
    ),
    "places/regions/": Entry(),
    "places/regions/<str:code>/": Entry(lambda b: {"code": "330699002001G01"}),
    "places/buildings/<int:pk>/": Entry(lambda b: {"pk": b.address.building_id}),
    # registry
    "registry/": Entry(query={"q": "乙镇实有人口"}),
    "registry/residents/new/": Entry(
        post=lambda b, w: {
            "house": b.house.pk,
            "name": "冒名",
            "id_type": "resident_id",
            "id_number": "330699198502020018",
            "residence_type": "registered",
            "client_key": "probe-resident-01",
        }
    ),
    "registry/residents/<int:pk>/": Entry(lambda b: {"pk": b.resident.pk}),
    "registry/residents/<int:pk>/edit/": Entry(
        lambda b: {"pk": b.resident.pk}, post=lambda b, w: {"name": "冒名", "phone": "13000000000"}
    ),
    "registry/residents/<int:pk>/end/": Entry(
        lambda b: {"pk": b.resident.pk}, post=lambda b, w: {"reason": "died"}
    ),
    "registry/residents/<int:pk>/reveal/<slug:field>/": Entry(
        lambda b: {"pk": b.resident.pk, "field": "id_number"}
    ),
    "registry/residents/<int:pk>/enrol/": Entry(lambda b: {"pk": b.resident.pk}),
    "registry/residents/<int:pk>/merge/<int:duplicate_pk>/": Entry(
        lambda b: {"pk": b.resident.pk, "duplicate_pk": b.duplicate.pk}
    ),
    "registry/addresses/<int:pk>/": Entry(lambda b: {"pk": b.address.pk}),
    "registry/addresses/<int:pk>/verify/": Entry(lambda b: {"pk": b.address.pk}),
    "registry/units/<int:pk>/": Entry(lambda b: {"pk": b.establishment.pk}),
    "registry/addresses/new/": Entry(
        post=lambda b, w: {"grid": b.address.grid.code, "road": "冒名路"}
    ),
    "registry/addresses/<int:pk>/houses/new/": Entry(
        lambda b: {"pk": b.address.pk}, post=lambda b, w: {"label": "冒名", "use": "own"}
    ),
    "registry/addresses/<int:pk>/units/new/": Entry(
        lambda b: {"pk": b.address.pk}, post=lambda b, w: {"name": "冒名", "kind": "shop"}
    ),
    "registry/addresses/<int:pk>/retire/": Entry(
        lambda b: {"pk": b.address.pk}, post=lambda b, w: {"reason": "冒名注销"}
    ),
    "registry/houses/<int:pk>/edit/": Entry(
        lambda b: {"pk": b.house.pk}, post=lambda b, w: {"label": "冒名", "use": "own"}
    ),
    "registry/houses/<int:pk>/end/": Entry(
        lambda b: {"pk": b.house.pk}, post=lambda b, w: {"reason": "冒名拆除"}
    ),
    "registry/units/<int:pk>/edit/": Entry(
        lambda b: {"pk": b.establishment.pk}, post=lambda b, w: {"name": "冒名", "kind": "shop"}
    ),
    "registry/units/<int:pk>/close/": Entry(
        lambda b: {"pk": b.establishment.pk}, post=lambda b, w: {"reason": "冒名关闭"}
    ),
    "registry/units/<int:pk>/employees/new/": Entry(
        lambda b: {"pk": b.establishment.pk}, post=lambda b, w: {"resident": b.resident.pk}
    ),
    "registry/employments/<int:pk>/end/": Entry(
        lambda b: {"pk": _employment(b)}, post=lambda b, w: {"on": ""}
    ),
    "registry/residents/<int:pk>/move/": Entry(
        lambda b: {"pk": b.resident.pk}, post=lambda b, w: {"house": b.house.pk}
    ),
    "registry/stays/<int:pk>/end/": Entry(
        lambda b: {"pk": b.resident.occupancies.first().pk}, post=lambda b, w: {"reason": "died"}
    ),
    "registry/care/": Entry(),
    "registry/care/<int:pk>/": Entry(lambda b: {"pk": b.key_person.pk}),
    "registry/tenants/": Entry(),
    "registry/tenants/new/": Entry(
        post=lambda b, w: {
            "house": b.house.pk,
            "kind": "move_in",
            "name": "冒名",
            "id_type": "resident_id",
            "id_number": "330699198502020018",
            "client_key": "probe-tenant-01",
        }
    ),
    "registry/tenants/<int:pk>/reveal/<slug:field>/": Entry(
        lambda b: {"pk": b.tenant_report.pk, "field": "id_number"}
    ),
    "registry/tenants/<int:pk>/<slug:action>/": Entry(
        lambda b: {"pk": b.tenant_report.pk, "action": "verify"}
    ),
    "registry/changes/": Entry(),
    "registry/changes/<int:pk>/<slug:action>/": Entry(
        lambda b: {"pk": b.registry_change.pk, "action": "apply"}
    ),
    "registry/counts/": Entry(),
    "registry/import/": Entry(),
    "registry/import/template/<str:kind>/": Entry(public=False),
    "registry/import/<int:pk>/": Entry(lambda b: {"pk": b.import_job.pk}),
    "registry/import/<int:pk>/run/": Entry(lambda b: {"pk": b.import_job.pk}),
    "registry/import/<int:pk>/progress/": Entry(lambda b: {"pk": b.import_job.pk}),
    "registry/import/export/<str:kind>/": Entry(),
    "registry/import/exchange/": Entry(
        post=lambda b, w: {"kind": "residents", "file_format": "csv"}
    ),
    # disputes
    "cases/": Entry(query={"q": "乙社区"}),
    "cases/board/": Entry(),
    "cases/watch/": Entry(),
    "cases/import/": Entry(),
    "cases/import/template/": Entry(),
    "cases/import/<int:pk>/": Entry(lambda b: {"pk": b.import_job.pk}),
    "cases/import/<int:pk>/run/": Entry(lambda b: {"pk": b.import_job.pk}),
    "cases/<str:reference>/": Entry(_case),
    "cases/<str:reference>/act/<slug:action>/": Entry(lambda b: {**_case(b), "action": "escalate"}),
    "cases/<str:reference>/reassign/": Entry(
        _case, post=lambda b, user: {"version": 0, "grid_code": "330699001001G01", "reason": "探测"}
    ),
    "cases/policy/<str:code>/": Entry(
        lambda b: {"code": "330699"}, post=lambda b, user: {"red__first_action_hours": "99"}
    ),
    "cases/<str:reference>/parties/<int:pk>/reveal/<slug:field>/": Entry(
        lambda b: {**_case(b), "pk": b.party.pk, "field": "phone"}
    ),
    "cases/<str:reference>/mediation/<slug:step>/": Entry(lambda b: {**_case(b), "step": "draft"}),
    "cases/<str:reference>/parties/add/": Entry(
        _case, post=lambda b, w: {"party-role": "respondent", "party-name": "乙方"}
    ),
    "cases/<str:reference>/parties/<int:pk>/edit/": Entry(
        lambda b: {**_case(b), "pk": b.party.pk},
        post=lambda b, w: {
            f"party-{b.party.pk}-role": "respondent",
            f"party-{b.party.pk}-kind": "person",
            f"party-{b.party.pk}-name": "改名",
        },
    ),
    "cases/<str:reference>/parties/<int:pk>/remove/": Entry(
        lambda b: {**_case(b), "pk": b.party.pk},
        post=lambda b, w: {f"remove-{b.party.pk}-reason": "误登记"},
    ),
    "cases/<str:reference>/file.pdf": Entry(_case),
    "cases/<str:reference>/agreement.pdf": Entry(_case),
    "cases/<str:reference>/intake.pdf": Entry(_case),
    "cases/handoffs/": Entry(),
    "cases/handoffs/<int:pk>/": Entry(lambda b: {"pk": b.handoff.pk}),
    "cases/<str:reference>/handoffs/new/<slug:kind>/": Entry(
        lambda b: {**_case(b), "kind": "handoff"}
    ),
    "cases/<str:reference>/handoffs/<int:pk>/<slug:action>/": Entry(
        lambda b: {**_case(b), "pk": b.handoff.pk, "action": "answer"}
    ),
    "cases/typical/": Entry(query={"q": "晾衣"}),
    "cases/typical/<int:pk>/": Entry(lambda b: {"pk": b.typical.pk}, county_wide=True),
    "cases/<str:reference>/typical/": Entry(_case),
    # intake
    "report/": Entry(public=True),
    "report/places/": Entry(public=True),
    "report/near/": Entry(public=True, query={"lon": "120.1099", "lat": "30.005"}),
    # The form's map: grid outlines and building names/points, public by design.
    "report/map/": Entry(public=True, query={"area": "330699002001"}),
    "report/suggest/": Entry(public=True, post=lambda b, w: {"text": "乙镇小卖部欠款不还"}),
    # Whoever holds a tracking code may follow that report: by design, not a leak.
    "report/thanks/<str:code>/": Entry(_report, public=True),
    "report/status/": Entry(public=True),
    "report/status/<str:code>/": Entry(_report, public=True),
    "report/new/": Entry(
        post=lambda b, w: {
            "channel": "walk_in",
            "kind": "dispute",
            "text": "越界登记的纠纷测试内容",
            "lon": "120.105",
            "lat": "30.005",
            "client_key": "probe-new-0001",
        }
    ),
    "report/new/related/": Entry(post=lambda b, w: {"text": "乙社区两户", "grid_code": ""}),
    "report/new/suggest/": Entry(),
    # Staff's map: township B's village draws nothing for staff of A.
    "report/new/map/": Entry(query={"area": "330699002001", "lon": "120.105", "lat": "30.005"}),
    "report/r/<str:code>/": Entry(_report),
    "report/r/<str:code>/reply/": Entry(_report, post=lambda b, w: {"text": "越界答复"}),
    "report/r/<str:code>/duplicate/": Entry(
        _report, post=lambda b, w: {"of": b.report.tracking_code, "reason": "探测", "merge": "on"}
    ),
    "report/r/<str:code>/reveal/<slug:field>/": Entry(lambda b: {**_report(b), "field": "phone"}),
    "report/r/<str:code>/photos/<int:pk>/": Entry(
        lambda b: {**_report(b), "pk": b.report_photo.pk}
    ),
    # dispatch: the residents' alarm doors are open to everyone by design; an alarm's page
    # is for whoever holds its report's tracking code (B's incident is a 110 transfer: 404).
    "alarm/": Entry(public=True, query={"channel": "kiosk", "place": "B-B1"}),
    "alarm/buildings/": Entry(public=True, query={"grid_code": "330699002001G01"}),
    "alarm/sent/<str:code>/": Entry(
        lambda b: {"code": b.incident.report.tracking_code}, public=True
    ),
    "kiosk/": Entry(public=True, query={"place": "B-B1"}),
    # Who looks after a building: public by design (its QR code is on the entrance),
    # showing staff names, roles and the phones they published, nothing of residents.
    "b/<str:code>/": Entry(lambda b: {"code": "B-B1"}, public=True),
    # Building posters: officer_a asking for township B's village gets 404.
    "outreach/posters/": Entry(query={"region": "330699002001"}),
    # community
    "community/": Entry(residents=True),
    "community/new/": Entry(
        post=lambda b, w: {"name": "越界群", "level": "grid", "region": w.grid_b1.pk}
    ),
    "community/inbox/": Entry(residents=True),
    "community/abuse/": Entry(),
    "community/abuse/<int:message_pk>/keep/": Entry(_message),
    "community/unread/": Entry(residents=True),
    "community/join/<str:token>/": Entry(public=True),
    "community/g/<int:pk>/": Entry(_group),
    "community/g/<int:pk>/post/": Entry(_group),
    "community/g/<int:pk>/messages/": Entry(_group),
    # What a pushed page read (docs/live.md). The push stream itself, /live/stream, is no
    # Django URL (fengqiao/asgi.py serves it): tests/live/test_group_push.py walks its refusals.
    "community/g/<int:pk>/read/": Entry(_group),
    "community/g/<int:pk>/members/": Entry(_group),
    "community/g/<int:pk>/invite/": Entry(_group),
    "community/g/<int:pk>/t/<int:message_pk>/": Entry(lambda b: {**_group(b), **_message(b)}),
    "community/m/<int:message_pk>/": Entry(_message),
    "community/m/<int:message_pk>/hide/": Entry(_message),
    "community/m/<int:message_pk>/report/": Entry(_message),
    "community/m/<int:message_pk>/case/": Entry(_message),
    "community/photos/<int:photo_pk>/": Entry(lambda b: {"photo_pk": b.message_photo.pk}),
    "community/notices/broadcasts/": Entry(),
    "community/notices/broadcasts/new/": Entry(
        post=lambda b, w: {
            "title": "越界广播",
            "text": "越界广播内容",
            "groups": [b.group.pk],
            "client_key": "probe-broadcast1",
        }
    ),
    "community/notices/broadcasts/<int:pk>/": Entry(lambda b: {"pk": b.broadcast.pk}),
    "community/notices/alerts/": Entry(residents=True),
    "community/notices/alerts/new/": Entry(
        post=lambda b, w: {
            "kind": "missing_person",
            "title": "越界寻人",
            "description": "越界寻人描述",
            "groups": [b.group.pk],
            "regions": [w.community_b.pk],
            "client_key": "probe-alert-0001",
        }
    ),
    "community/notices/alerts/<int:pk>/": Entry(_alert),
    "community/notices/alerts/<int:pk>/acknowledge/": Entry(_alert),
    "community/notices/alerts/<int:pk>/sightings/": Entry(_alert),
    "community/notices/alerts/<int:pk>/close/": Entry(_alert),
    "community/notices/alerts/<int:pk>/photo/": Entry(_alert),
    "community/notices/alerts/<int:pk>/sightings/<int:sighting>/photo/": Entry(
        lambda b: {**_alert(b), "sighting": b.sighting.pk}
    ),
    "community/notices/alerts/<int:pk>/sightings/<int:sighting>/confirm/": Entry(
        lambda b: {**_alert(b), "sighting": b.sighting.pk}
    ),
    # dispatch: the board (a search for B's caller's last four), the incident page and
    # the officer's phone for B's incident, units of B; posts aimed at B's grid and unit.
    "dispatch/": Entry(query={"q": "5432"}),
    "dispatch/rows/": Entry(),
    "dispatch/i/<str:number>/": Entry(_incident, post=lambda b, w: {"unit": b.duty_unit.pk}),
    "dispatch/i/<str:number>/caller/": Entry(
        _incident, post=lambda b, w: {"phone-reason": "越界查看报警人电话"}
    ),
    "dispatch/110/new/": Entry(
        post=lambda b, w: {
            "number": "110-PROBE-0001",
            "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "text": "越界登记的110警情",
            "grid_code": w.grid_b1.code,
        }
    ),
    "dispatch/duty/": Entry(post=lambda b, w: {"unit": b.duty_unit.pk, "status": "off_duty"}),
    "dispatch/duty/position/": Entry(),
    "dispatch/duty/<str:number>/": Entry(
        _incident, post=lambda b, w: {"action": "step", "step": "accepted"}
    ),
    "dispatch/units/": Entry(),
    "dispatch/units/new/": Entry(
        post=lambda b, w: {"call_sign": "越界", "kind": "patrol_car", "station": w.station_b.pk}
    ),
    "dispatch/units/<int:pk>/edit/": Entry(
        lambda b: {"pk": b.duty_unit.pk},
        post=lambda b, w: {"call_sign": "越界", "kind": "patrol_car", "station": w.station_b.pk},
    ),
    # patrols: 我的巡逻 and the lists show one's own; township B's route and team answer 404
    # to officer_a, and posts aimed at B's point, station and route write nothing.
    "dispatch/patrols/": Entry(),
    "dispatch/patrols/checkin/": Entry(
        post=lambda b, w: {
            "point": b.checkin.point_id,
            "lon": "120.105",
            "lat": "30.005",
            "client_key": "probe-checkin-01",
        }
    ),
    "dispatch/patrols/routes/": Entry(),
    "dispatch/patrols/routes/new/": Entry(
        post=lambda b, w: {
            "name": "越界路线",
            "station": w.station_b.pk,
            "points": "越界点,120.1,30",
        }
    ),
    "dispatch/patrols/routes/<int:pk>/": Entry(lambda b: {"pk": b.patrol_route.pk}),
    "dispatch/patrols/routes/<int:pk>/edit/": Entry(
        lambda b: {"pk": b.patrol_route.pk},
        post=lambda b, w: {
            "name": "越界改名",
            "station": w.station_b.pk,
            "points": "越界点,120.1,30",
        },
    ),
    "dispatch/patrols/shifts/": Entry(),
    "dispatch/patrols/shifts/new/": Entry(
        post=lambda b, w: {
            "route": b.patrol_route.pk,
            "date": "2030-01-01",
            "start": "08:00",
            "end": "10:00",
            "people": [w.officer_b.person.pk],
        }
    ),
    "dispatch/patrols/teams/": Entry(),
    "dispatch/patrols/teams/<int:pk>/": Entry(lambda b: {"pk": b.checkin.shift.team_id}),
    # recognition: one's own community's list; township B's community (the commendation
    # form's target) and B's people answer 404, and nothing is recorded.
    "outreach/recognition/": Entry(),
    "outreach/recognition/<int:community_pk>/commend/": Entry(
        lambda b: {"community_pk": b.group.region.parent_id},
        post=lambda b, w: {
            "person": b.assignment.person_id,
            "awarded_on": "2026-01-05",
            "title": "越界表彰",
            "reason": "越界登记的表彰事迹",
        },
    ),
    "outreach/recognition/people/<int:pk>/": Entry(lambda b: {"pk": b.assignment.person_id}),
    # household visits: the hub, the lists and one's own phone list show one's own; township
    # B's campaign, its never-reached list and B's household answer 404 to officer_a; a
    # campaign over B's grid, a visit to B's household or its reassignment write nothing.
    "outreach/": Entry(),
    "outreach/campaigns/": Entry(query={"kind": "visit"}),
    "outreach/campaigns/new/": Entry(post=lambda b, w: _campaign_in_b(w)),
    "outreach/campaigns/<int:pk>/": Entry(lambda b: {"pk": b.campaign.pk}),
    "outreach/campaigns/<int:pk>/edit/": Entry(
        lambda b: {"pk": b.campaign.pk}, post=lambda b, w: _campaign_in_b(w)
    ),
    "outreach/campaigns/<int:pk>/unreached/": Entry(lambda b: {"pk": b.campaign.pk}),
    "outreach/visits/": Entry(),
    "outreach/visits/<int:pk>/": Entry(
        lambda b: {"pk": b.visit_task.pk},
        post=lambda b, w: {
            "outcome": "met",
            "people_home": 1,
            "problem": "越界走访发现的问题",
            "problem_kind": "hazard",
        },
    ),
    "outreach/visits/<int:pk>/assign/": Entry(
        lambda b: {"pk": b.visit_task.pk}, post=lambda b, w: {"assignee": w.officer_a.person.pk}
    ),
    # anti-fraud: the home page, figures and lists show one's own; township B's event and
    # warning answer 404 (the warned person's phone too); an event or a warning aimed at B's
    # grid writes nothing.
    "outreach/fraud/": Entry(),
    "outreach/fraud/figures/": Entry(query={"by": "township"}),
    "outreach/fraud/events/": Entry(),
    "outreach/fraud/events/new/": Entry(
        post=lambda b, w: {
            "kind": "talk",
            "title": "越界宣讲",
            "grid": w.grid_b1.pk,
            "held_on": timezone.localdate().isoformat(),
            "people_reached": "10",
        }
    ),
    "outreach/fraud/events/<int:pk>/": Entry(lambda b: {"pk": b.fraud_event.pk}),
    "outreach/fraud/warnings/": Entry(),
    "outreach/fraud/warnings/new/": Entry(post=lambda b, w: _warning_in(w, grid=w.grid_b1.pk)),
    "outreach/fraud/warnings/<int:pk>/": Entry(lambda b: {"pk": b.fraud_warning.pk}),
    "outreach/fraud/warnings/<int:pk>/phone/": Entry(
        lambda b: {"pk": b.fraud_warning.pk},
        post=lambda b, w: {"phone-reason": "越界查看被劝阻人电话"},
    ),
    # services: the catalogue, a service and applying are public by design; an application's
    # thanks and status pages are for whoever holds its code (B's is finished and rated, so
    # its cancel and rating are refused). The staff's pages answer B's application and
    # service with 404 to officer_a; a window intake for B's service writes nothing.
    "services/": Entry(public=True, query={"township": "330699002"}),
    "services/<int:pk>/": Entry(_service, public=True),
    "services/<int:pk>/apply/": Entry(_service, public=True, query={"mode": "window"}),
    "services/thanks/<str:code>/": Entry(_service_code, public=True),
    "services/track/": Entry(public=True),
    "services/track/<str:code>/": Entry(_service_code, public=True),
    "services/track/<str:code>/rate/": Entry(
        _service_code, public=True, post=lambda b, w: {"satisfaction": "1"}
    ),
    "services/track/<str:code>/cancel/": Entry(_service_code, public=True),
    "services/work/": Entry(query={"state": ""}),
    "services/work/new/": Entry(
        post=lambda b, w: {
            "service": b.service.pk,
            "applicant_name": "越界受理",
            "phone": "13800000000",
        }
    ),
    "services/work/<int:pk>/": Entry(_application),
    "services/work/<int:pk>/act/": Entry(
        _application, post=lambda b, w: {"action": "refuse", "reason": "越界不予办理的理由"}
    ),
    "services/work/<int:pk>/reveal/<str:field>/": Entry(
        lambda b: {**_application(b), "field": "phone"},
        post=lambda b, w: {"phone-reason": "越界查看号码"},
    ),
    "services/door/": Entry(),
    "services/manage/": Entry(),
    "services/manage/new/": Entry(
        post=lambda b, w: {
            "station": w.station_b.pk,
            "kind": "other",
            "name": "越界事项",
            "time_limit_days": "5",
            "channels": ["window"],
        }
    ),
    "services/manage/<int:pk>/edit/": Entry(
        _service, post=lambda b, w: {"station": w.station_b.pk, "name": "越界改名"}
    ),
    "services/manage/<int:pk>/open/": Entry(_service, post=lambda b, w: {"open": "0"}),
    # Open311 is a public interface by the spec: it shows public, masked data of any place.
    r"open311/v2/^services\.(?P<fmt>json|xml)$": Entry(public=True),
    r"open311/v2/^services/(?P<service_code>[A-Za-z0-9_.-]+?)\.(?P<fmt>json|xml)$": Entry(
        public=True
    ),
    r"open311/v2/^requests\.(?P<fmt>json|xml)$": Entry(public=True),
    r"open311/v2/^requests/(?P<service_request_id>[A-Za-z0-9_-]+)\.(?P<fmt>json|xml)$": Entry(
        public=True
    ),
    # the REST API
    # The API's root lists its endpoints, nothing else.
    "api/v1/": Entry(public=True),
    "api/v1/<drf_format_suffix:format>": Entry(public=True),
    "api/v1/locate/": Entry(query={"lon": "120.105", "lat": "30.005"}),
    "api/v1/address-match/": Entry(query={"text": "乙街8号幸福小区1幢2单元302室"}),
    # Township B's figures: its region answers 404 to officer_a (their own are their home).
    "api/v1/indicators/": Entry(query={"region": "330699002"}),
    "api/v1/indicators/response/": Entry(query={"region": "330699002"}),
    "api/v1/recognition/": Entry(),
    "api/v1/indicators/services/": Entry(query={"region": "330699002"}),
    "api/v1/indicators/<slug:code>/cases/": Entry(
        lambda b: {"code": "cases_received"}, query={"region": "330699002"}
    ),
    "api/v1/^regions/$": Entry(),
    "api/v1/^regions/(?P<code>[^/.]+)/$": Entry(lambda b: {"code": "330699002001G01"}),
    "api/v1/^buildings/$": Entry(),
    "api/v1/^buildings/(?P<pk>[^/.]+)/$": Entry(lambda b: {"pk": b.address.building_id}),
    "api/v1/^units/$": Entry(),
    "api/v1/^units/(?P<code>[^/.]+)/$": Entry(lambda b: {"code": "U33069902"}),
    "api/v1/^beats/$": Entry(),
    "api/v1/^beats/(?P<code>[^/.]+)/$": Entry(lambda b: {"code": "JB1"}),
    "api/v1/^people/$": Entry(),
    "api/v1/^people/(?P<pk>[^/.]+)/$": Entry(lambda b: {"pk": b.assignment.person_id}),
    "api/v1/^assignments/$": Entry(),
    "api/v1/^assignments/(?P<pk>[^/.]+)/$": Entry(lambda b: {"pk": b.assignment.pk}),
    "api/v1/^addresses/$": Entry(post=lambda b, w: {"grid": b.address.grid.code, "road": "冒名路"}),
    "api/v1/^addresses/(?P<pk>[^/.]+)/$": Entry(lambda b: {"pk": b.address.pk}),
    "api/v1/^addresses/(?P<pk>[^/.]+)/retire/$": Entry(
        lambda b: {"pk": b.address.pk}, post=lambda b, w: {"reason": "冒名注销"}
    ),
    "api/v1/^houses/$": Entry(post=lambda b, w: {"address": b.address.pk, "label": "冒名"}),
    "api/v1/^houses/(?P<pk>[^/.]+)/$": Entry(lambda b: {"pk": b.house.pk}),
    "api/v1/^houses/(?P<pk>[^/.]+)/end/$": Entry(
        lambda b: {"pk": b.house.pk}, post=lambda b, w: {"reason": "冒名拆除"}
    ),
    "api/v1/^residents/$": Entry(
        query={"q": "乙镇实有人口"},
        post=lambda b, w: {"house": b.house.pk, "name": "冒名", "id_number": "330699198502020018"},
    ),
    "api/v1/^residents/(?P<pk>[^/.]+)/$": Entry(lambda b: {"pk": b.resident.pk}),
    "api/v1/^residents/(?P<pk>[^/.]+)/end/$": Entry(
        lambda b: {"pk": b.resident.pk}, post=lambda b, w: {"reason": "died"}
    ),
    "api/v1/^establishments/$": Entry(
        post=lambda b, w: {"address": b.address.pk, "name": "冒名", "kind": "shop"}
    ),
    "api/v1/^establishments/(?P<pk>[^/.]+)/employees/$": Entry(
        lambda b: {"pk": b.establishment.pk}, post=lambda b, w: {"resident": b.resident.pk}
    ),
    "api/v1/^establishments/(?P<pk>[^/.]+)/end-employment/$": Entry(
        lambda b: {"pk": b.establishment.pk}, post=lambda b, w: {"employment": _employment(b)}
    ),
    "api/v1/^residents/(?P<pk>[^/.]+)/move/$": Entry(
        lambda b: {"pk": b.resident.pk},
        post=lambda b, w: {"house": b.house.pk, "moved_in": "2024-05-01"},
    ),
    "api/v1/^residents/(?P<pk>[^/.]+)/end-stay/$": Entry(
        lambda b: {"pk": b.resident.pk},
        post=lambda b, w: {"stay": b.resident.occupancies.first().pk, "reason": "died"},
    ),
    "api/v1/^establishments/(?P<pk>[^/.]+)/$": Entry(lambda b: {"pk": b.establishment.pk}),
    "api/v1/^establishments/(?P<pk>[^/.]+)/close/$": Entry(
        lambda b: {"pk": b.establishment.pk}, post=lambda b, w: {"reason": "冒名关闭"}
    ),
    "api/v1/^registry-changes/$": Entry(),
    "api/v1/^registry-changes/(?P<pk>[^/.]+)/$": Entry(lambda b: {"pk": b.registry_change.pk}),
    "api/v1/^registry-changes/(?P<pk>[^/.]+)/apply/$": Entry(
        lambda b: {"pk": b.registry_change.pk}
    ),
    "api/v1/^registry-changes/(?P<pk>[^/.]+)/reject/$": Entry(
        lambda b: {"pk": b.registry_change.pk}, post=lambda b, w: {"reason": "冒名退回"}
    ),
    "api/v1/^reports/$": Entry(
        post=lambda b, w: {
            "channel": "walk_in",
            "kind": "hazard",
            "text": "越界登记的隐患测试",
            "lon": 120.105,
            "lat": 30.005,
        }
    ),
    "api/v1/^reports/(?P<tracking_code>[^/]+)/$": Entry(
        lambda b: {"tracking_code": b.report.tracking_code}
    ),
    "api/v1/^cases/$": Entry(
        post=lambda b, w: {
            "title": "越界案件",
            "narrative": "越界案件测试",
            "category": "neighbourhood",
            "risk": "yellow",
            "channel": "walk_in",
            "grid_code": w.grid_b1.code,
        }
    ),
    "api/v1/^cases/(?P<reference>[^/]+)/$": Entry(_case),
    "api/v1/^cases/(?P<reference>[^/]+)/transitions/$": Entry(_case),
    "api/v1/^cases/(?P<reference>[^/]+)/parties/$": Entry(
        _case, post=lambda b, w: {"role": "respondent", "name": "乙方"}
    ),
    # Takes PATCH (the walk's POST is refused as a method); tests/disputes/test_parties_api.py
    # sends the PATCH from the other township.
    "api/v1/^cases/(?P<reference>[^/]+)/parties/(?P<party_id>[0-9]+)/$": Entry(
        lambda b: {**_case(b), "party_id": b.party.pk}
    ),
    # dispatch's API: incidents and units answer B's to officer_a with 404, whatever the
    # move; a 110 transfer into B's grid is refused. The alarm is open to everyone by design
    # (an empty one is refused); tests/dispatch/test_api.py sends real ones.
    "api/v1/^incidents/$": Entry(
        query={"open": "true"},
        post=lambda b, w: {
            "number": "110WALK0001",
            "text": "越界登记的110警情测试",
            "grid_code": w.grid_b1.code,
        },
    ),
    "api/v1/^incidents/(?P<number>[^/]+)/$": Entry(_incident),
    "api/v1/^incidents/(?P<number>[^/]+)/suggestions/$": Entry(_incident),
    "api/v1/^incidents/(?P<number>[^/]+)/dispatch/$": Entry(
        _incident, post=lambda b, w: {"unit": b.duty_unit.pk}
    ),
    "api/v1/^incidents/(?P<number>[^/]+)/steps/$": Entry(
        _incident, post=lambda b, w: {"step": "accepted"}
    ),
    "api/v1/^incidents/(?P<number>[^/]+)/result/$": Entry(
        _incident, post=lambda b, w: {"outcome": "false_alarm", "result": "越界反馈测试"}
    ),
    "api/v1/^duty-units/$": Entry(),
    "api/v1/^duty-units/(?P<pk>[^/.]+)/status/$": Entry(
        lambda b: {"pk": b.duty_unit.pk}, post=lambda b, w: {"status": "off_duty"}
    ),
    "api/v1/^duty-units/position/$": Entry(),
    "api/v1/^alarms/$": Entry(public=True),
    # The service catalogue and applying to a service are public; applications are staff's.
    "api/v1/^services/$": Entry(public=True, query={"township": "330699002"}),
    "api/v1/^services/(?P<pk>[^/.]+)/$": Entry(_service, public=True),
    "api/v1/^services/(?P<pk>[^/.]+)/apply/$": Entry(_service, public=True),
    "api/v1/^service-applications/$": Entry(query={"state": ""}),
    "api/v1/^service-applications/(?P<pk>[^/.]+)/$": Entry(_application),
    "api/v1/^service-applications/(?P<pk>[^/.]+)/act/$": Entry(
        _application, post=lambda b, w: {"action": "refuse", "reason": "越界不予办理的理由"}
    ),
    "api/v1/^campaigns/$": Entry(),
    "api/v1/^campaigns/(?P<pk>[^/.]+)/$": Entry(lambda b: {"pk": b.campaign.pk}),
    "api/v1/^campaigns/(?P<pk>[^/.]+)/coverage/$": Entry(lambda b: {"pk": b.campaign.pk}),
    # anti-fraud's API: an event or a warning in B's grid is refused; figures are one's own.
    "api/v1/fraud/events/": Entry(
        post=lambda b, w: {
            "kind": "talk",
            "title": "越界宣讲",
            "grid_code": w.grid_b1.code,
            "held_on": timezone.localdate().isoformat(),
        }
    ),
    "api/v1/fraud/warnings/": Entry(post=lambda b, w: _warning_in(w, grid_code=w.grid_b1.code)),
    "api/v1/fraud/figures/": Entry(query={"by": "township"}),
}

# The API's ``.json`` twins of each route answer like the route itself.
FORMAT_TWIN = r"\.(?P<format>[a-z0-9]+)/?$"

# Admin models whose records the walk can name in township B.
ADMIN_RECORDS: dict[str, Callable[[Township, object], object]] = {
    "places.region": lambda b, w: w.grid_b1,
    "places.building": lambda b, w: w.building_b1,
    "org.unit": lambda b, w: w.station_b,
    "org.beat": lambda b, w: w.beat_b,
    "org.person": lambda b, w: b.assignment.person,
    "org.assignment": lambda b, w: b.assignment,
    "org.accessgrant": lambda b, w: w.officer_b.access_grants.get(),
    "disputes.case": lambda b, w: b.case,
    "auth.user": lambda b, w: w.officer_b,
    "intake.report": lambda b, w: b.report,
    "registry.address": lambda b, w: b.address,
    "registry.house": lambda b, w: b.house,
    "registry.resident": lambda b, w: b.resident,
    "registry.establishment": lambda b, w: b.establishment,
    "registry.keyperson": lambda b, w: b.key_person,
    "registry.tenantreport": lambda b, w: b.tenant_report,
    "dispatch.patrolroute": lambda b, w: b.patrol_route,
    "dispatch.patrolshift": lambda b, w: b.checkin.shift,
    "dispatch.checkin": lambda b, w: b.checkin,
    "services.service": lambda b, w: b.service,
    "outreach.campaign": lambda b, w: b.campaign,
    "outreach.visittask": lambda b, w: b.visit_task,
}


def _patterns(resolver=None, prefix: str = "", namespace: str = ""):
    """(route, name, pattern) for every URL pattern, admin included."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + (pattern.name or ""), pattern


def _own_route(route: str) -> str:
    """The route an API format twin stands for (``…\\.(?P<format>…)`` → ``…/$``)."""
    if FORMAT_TWIN in route:
        return route.replace(FORMAT_TWIN, "/$")
    return route


def test_every_url_pattern_has_an_entry():
    missing = []
    for route, name, _pattern in _patterns():
        if route.startswith("admin/"):
            continue
        if _own_route(route) not in PAGES:
            missing.append(f"{route}  ({name})")
    assert not missing, "URL patterns the security walk does not know:\n" + "\n".join(missing)


def test_every_admin_model_is_walked_or_named_as_holding_nothing_of_a_township():
    unnamed = {
        model._meta.label_lower
        for model in admin.site._registry
        if hasattr(model, "scope_region_path") or hasattr(model, "scope_unit_path")
    } - set(ADMIN_RECORDS)
    # Scoped models whose admin is read-only, listed here so a new one is a decision.
    assert unnamed <= {
        "audit.auditevent",
        "community.outbounddelivery",
        "community.outboundtarget",
        "community.member",
        "community.sighting",
        "disputes.caseevent",
        "disputes.agreement",
        "disputes.judicialconfirmation",
        "disputes.mediationsession",
        "disputes.returnvisit",
        "disputes.party",
        "registry.carevisit",
        "org.team",
        "org.accessgrant",
        "outreach.commendation",
    }, unnamed


def _url(route: str, name: str, pattern: URLPattern, kwargs: dict) -> str | None:
    from django.urls import reverse

    if not name or name.endswith(":"):
        return None
    if FORMAT_TWIN in route:
        kwargs = {**kwargs, "format": "json"}
    if route.endswith("<drf_format_suffix:format>"):
        kwargs = {**kwargs, "format": "json"}
    if "<str:kind>" in route:
        kwargs = {**kwargs, "kind": "residents"}
    if "<str:token>" in route:
        return None
    if "(?P<fmt>" in route:
        kwargs = {**kwargs, "fmt": "json"}
        if "service_code" in route:
            kwargs["service_code"] = "neighbourhood"
        if "service_request_id" in route:
            return None
    try:
        return reverse(name, kwargs=kwargs or None)
    except Exception as error:  # a pattern the walk cannot build is a gap, not a pass
        raise AssertionError(f"cannot build {route} ({name}) with {kwargs}: {error}") from None


def _clients(world) -> dict[str, Client]:
    officer = Client()
    officer.force_login(world.officer_a)
    token, _created = Token.objects.get_or_create(user=world.officer_a)
    officer.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    resident = Client()
    resident.force_login(world.resident)
    return {"officer_a": officer, "resident": resident, "anonymous": Client()}


def _requests(b: Township, world):
    """(route, who, method, url, data) for every request of the walk."""
    for route, name, pattern in _patterns():
        if route.startswith("admin/"):
            continue
        entry = PAGES[_own_route(route)]
        kwargs = entry.record(b) if entry.record else {}
        url = _url(route, name, pattern, kwargs)
        if url is None:
            continue
        for who in ("officer_a", "resident", "anonymous"):
            yield route, entry, who, "get", url, entry.query
            if (entry.public and who != "officer_a") or route == "accounts/logout/":
                continue
            body = entry.post(b, world) if entry.post else {}
            yield route, entry, who, "post", url, body


def _refused(response, entry: Entry, who: str) -> bool:
    if who == "officer_a":
        return response.status_code in DENIED
    if response.status_code == 302:
        return "/accounts/login/" in response["Location"]
    return response.status_code in DENIED


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def test_no_url_shows_or_changes_another_townships_records(world, township_b):
    clients = _clients(world)
    markers = township_b.markers()
    before = db_snapshot()
    last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    problems = []
    for route, entry, who, method, url, data in _requests(township_b, world):
        client = clients[who]
        if method == "get":
            response = client.get(url, data)
        elif url.startswith("/api/"):
            response = client.post(url, data, content_type="application/json")
        else:
            response = client.post(url, data)
        where = f"{who} {method.upper()} {url} ({route}) -> {response.status_code}"
        # Checked after every request, so a write is pinned to the one that made it. Lists
        # of one's own township may audit what they show (an export); a refusal never does.
        written = list(
            AuditEvent.objects.filter(pk__gt=last_event or 0).values_list("action", flat=True)
        )
        if written:
            last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
            if entry.record or _refused(response, entry, who):
                problems.append(f"wrote audit {written}: {where}")
        if response.status_code >= 500:
            problems.append(f"server error: {where}")
            continue
        # The page may echo the address asked for (a login link's ?next=): not a leak.
        body = _body(response).replace(url, "")
        for echoed in data.values() if method == "get" else ():
            body = body.replace(str(echoed), "")
        shown = [m for m in markers if m in body]
        if shown and not entry.public:
            problems.append(f"shows {shown}: {where}")
        readable = entry.public or (entry.county_wide and who == "officer_a")
        if entry.record and not readable and not _refused(response, entry, who):
            problems.append(f"not refused: {where}")
        staff_page = not (entry.record or entry.public or entry.residents) or entry.county_wide
        if staff_page and who != "officer_a" and not _refused(response, entry, who):
            problems.append(f"staff page open to {who}: {where}")
    assert not problems, "\n".join(problems)
    after = db_snapshot()
    for snapshot in (before, after):
        snapshot.pop("audit.AuditEvent")
    assert after == before, "a refused request changed the database"


@pytest.mark.parametrize("action", ["change", "delete", "history"])
def test_the_admin_answers_404_for_another_townships_records(client, world, township_b, action):
    from django.urls import reverse

    client.force_login(world.chief)
    before = db_snapshot()
    problems = []
    for label, record in ADMIN_RECORDS.items():
        obj = record(township_b, world)
        app_label, model_name = label.split(".")
        url = reverse(f"admin:{app_label}_{model_name}_{action}", args=[obj.pk])
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"post": "yes"} if method == "post" else {})
            if response.status_code not in {403, 404}:
                problems.append(f"{method.upper()} {url} -> {response.status_code}")
    assert db_snapshot() == before
    assert not problems, "\n".join(problems)


def test_admin_lists_show_nothing_of_another_township(client, world, township_b):
    from django.urls import reverse

    client.force_login(world.chief)
    markers = township_b.markers()
    problems = []
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        if response.status_code >= 500:
            problems.append(f"{url} -> {response.status_code}")
        shown = [m for m in markers if m in _body(response)]
        if shown:
            problems.append(f"{url} shows {shown}")
    assert not problems, "\n".join(problems)


def _text(response) -> str:
    """What a person reads in the answer: a PDF's or a workbook's text too."""
    content_type = response.get("Content-Type", "")
    raw = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    if "pdf" in content_type:
        import io

        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages)
    if "spreadsheetml" in content_type:
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(raw), read_only=True)
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    return raw.decode(errors="replace")


@pytest.mark.parametrize("username", ["officer_a", "chief", "county_admin"])
def test_no_page_or_api_shows_a_full_personal_number_without_a_reveal(world, township_a, username):
    """Parties', reporters' and residents' numbers are masked on every page, API answer,
    PDF and export of one's own township, for every role; only the logged reveal (a POST
    with a reason) shows one."""
    user = getattr(world, username)
    client = Client()
    client.force_login(user)
    token, _created = Token.objects.get_or_create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    numbers = township_a.full_numbers()
    problems = []
    for route, name, pattern in _patterns():
        if route.startswith("admin/") or route == "accounts/logout/":
            continue
        entry = PAGES[_own_route(route)]
        kwargs = entry.record(township_a) if entry.record else {}
        url = _url(route, name, pattern, kwargs)
        if url is None:
            continue
        response = client.get(url, entry.query)
        shown = [n for n in numbers if n in _text(response)]
        if shown:
            problems.append(f"GET {url} ({route}) -> {response.status_code} shows {shown}")
    if user.is_staff:
        for model in admin.site._registry:
            meta = model._meta
            lists = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
            urls = [lists]
            record = ADMIN_RECORDS.get(meta.label_lower)
            if record is not None:
                a_world = _AWorld(world)
                urls.append(
                    reverse(
                        f"admin:{meta.app_label}_{meta.model_name}_change",
                        args=[record(township_a, a_world).pk],
                    )
                )
            for url in urls:
                response = client.get(url)
                shown = [n for n in numbers if n in _text(response)]
                if shown:
                    problems.append(f"GET {url} -> {response.status_code} shows {shown}")
    assert not problems, "\n".join(problems)


class _AWorld:
    """The world seen from township A: ``ADMIN_RECORDS`` names B's fixtures, this maps
    each to A's."""

    def __init__(self, world):
        self.grid_b1 = world.grid_a1
        self.building_b1 = world.building_a1
        self.station_b = world.station_a
        self.beat_b = world.beat_a
        self.officer_b = world.officer_a
