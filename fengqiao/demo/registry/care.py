"""Key populations at realistic rates, in the care of their beat's community police, with
the visits of the last months and a few overdue."""

from __future__ import annotations

import datetime as dt
import random

from fengqiao.demo import bulk
from fengqiao.demo.registry.people import Person
from fengqiao.org.selectors import responsibles_for_grids
from fengqiao.places.models import Region
from fengqiao.registry import rules
from fengqiao.registry.care import SENSITIVE_KINDS
from fengqiao.registry.models import CareVisit, KeyPerson

# Key populations: probability per resident who qualifies (see ``key_kinds``).
KEY_RATES = {
    "severe_mental_disorder": 0.002,
    "released_prisoner": 0.0012,
    "community_correction": 0.0008,
    "drug_rehabilitation": 0.0006,
    "petitioner": 0.0002,
    "domestic_violence_victim": 0.0003,
    "elderly_alone": 0.15,  # of over-70s living alone: about 1 % of all over-70s
    "left_behind_child": 0.05,  # of village children aged 3-15
}
CARE_LEVELS = {
    "severe_mental_disorder": (1, 2),
    "community_correction": (1, 2),
    "drug_rehabilitation": (1, 2),
    "released_prisoner": (2, 2, 3),
    "petitioner": (1, 2),
    "domestic_violence_victim": (1, 2),
    "elderly_alone": (2, 3, 3),
    "left_behind_child": (2, 3),
}
OVERDUE_SHARE = 0.08
VISIT_HISTORY_DAYS = 180
FINDINGS = (
    "本人在家，情况稳定，生活正常",
    "电话联系本人，近况良好，无异常",
    "与家属交流，按时服药，情绪稳定",
    "走访邻居了解情况，未发现异常",
    "本人外出务工，与家属确认近况",
)


class KeyPeople:
    """The builder's key populations part (state in ``RegistryBuilder``)."""

    def key_people(self) -> None:
        grids = Region.objects.filter(pk__in={grid for *_rest, grid in self.key_candidates})
        police = responsibles_for_grids(grids.defer("boundary"), duties=["community_police"])
        records, histories = [], []
        for resident_id, kind, path, grid_id in self.key_candidates:
            officers = police.get(grid_id, {}).get("community_police", [])
            officer = officers[0] if officers else None
            level = self.rng.choice(CARE_LEVELS[kind])
            every = rules.VISIT_EVERY_DAYS[level]
            since = self.today - dt.timedelta(days=self.rng.randint(every + 1, 5 * 365))
            # The last visit lies within one interval, or further back for the overdue few.
            late = self.rng.random() < OVERDUE_SHARE
            gap = (
                self.rng.randint(every + 1, every * 2 + 10)
                if late
                else self.rng.randint(0, every - 1)
            )
            last = max(since, self.today - dt.timedelta(days=gap))
            records.append(
                KeyPerson(
                    resident_id=resident_id,
                    kind=kind,
                    sensitive=kind in SENSITIVE_KINDS,
                    care_level=level,
                    visit_every_days=every,
                    officer=officer,
                    since=since,
                    next_visit_due=rules.next_visit(last, every),
                    last_visit_on=last,
                    scope_path=path,
                )
            )
            histories.append(officer if officer is not None and officer.user_id else None)
        bulk.create(KeyPerson, records)
        visits = []
        for record, officer in zip(records, histories, strict=True):
            if officer is None:
                continue  # visits before the system: only the dates were carried over
            day = record.last_visit_on
            while day >= max(record.since, self.today - dt.timedelta(days=VISIT_HISTORY_DAYS)):
                visits.append(
                    CareVisit(
                        key_person=record,
                        visited_on=day,
                        method=self.rng.choice(CareVisit.Method.values),
                        finding=self.rng.choice(FINDINGS),
                        visitor_id=officer.user_id,
                        visitor_name=officer.name,
                    )
                )
                day -= dt.timedelta(days=record.visit_every_days + self.rng.randint(-2, 2))
        bulk.create(CareVisit, visits)
        self.counts["key_people"] = len(records)
        self.counts["care_visits"] = len(visits)


def key_kinds(person: Person, household: int, rural: bool, rng: random.Random) -> list[str]:
    """The key populations one resident falls into (almost always none)."""
    age = person.age
    male = int(person.id_number[16]) % 2 == 1
    found = []
    if age >= 18 and rng.random() < KEY_RATES["severe_mental_disorder"]:
        found.append("severe_mental_disorder")
    if 20 <= age <= 60:
        for kind in ("released_prisoner", "community_correction", "drug_rehabilitation"):
            if rng.random() < KEY_RATES[kind] * (1.6 if male else 0.4):
                found.append(kind)
    if age >= 40 and rng.random() < KEY_RATES["petitioner"]:
        found.append("petitioner")
    if age >= 20 and not male and rng.random() < KEY_RATES["domestic_violence_victim"]:
        found.append("domestic_violence_victim")
    if age >= 70 and household == 1 and rng.random() < KEY_RATES["elderly_alone"]:
        found.append("elderly_alone")
    if rural and 3 <= age <= 15 and rng.random() < KEY_RATES["left_behind_child"]:
        found.append("left_behind_child")
    return found
