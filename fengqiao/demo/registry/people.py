"""Drawing people and codes: names by surname frequency, ID numbers, mobiles and credit
codes, each unique across the demo."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from faker.providers.person.zh_CN import Provider as ChineseNames

from fengqiao import identity
from fengqiao.disputes.models import Party
from fengqiao.registry import checks, names

LOCAL_CODE = "330699"
LOCAL_HUKOU = "浙江省绍兴市青枫县"
# Where the county's floating people are registered: (GB/T 2260 code, place).
ELSEWHERE = (
    ("341221", "安徽省阜阳市临泉县"),
    ("340321", "安徽省蚌埠市怀远县"),
    ("341302", "安徽省宿州市埇桥区"),
    ("361128", "江西省上饶市鄱阳县"),
    ("411625", "河南省周口市郸城县"),
    ("430524", "湖南省邵阳市隆回县"),
    ("511621", "四川省广安市岳池县"),
    ("520521", "贵州省毕节市大方县"),
    ("530627", "云南省昭通市镇雄县"),
    ("330324", "浙江省温州市永嘉县"),
)
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100, as in registry.checks
MOBILE_PREFIXES = ("130", "131", "135", "137", "138", "139", "150", "151", "158", "177", "186")


@dataclass
class Person:
    surname: str  # "" when not drawn here (a case's party)
    name: str
    phone: str
    id_number: str
    age: int
    moved_in: dt.date
    party: Party | None = None


class PeopleDraws:
    """The builder's draws (``RegistryBuilder`` holds ``rng``, ``today`` and the used sets)."""

    def _name(self, male: bool, *, surname: str = "") -> tuple[str, str]:
        """(surname, full name): Faker's zh_CN surnames by frequency, its given names."""
        given = ChineseNames.first_names_male if male else ChineseNames.first_names_female
        surname = (
            surname
            or self.surnames[
                bisect.bisect(self.surname_weights, self.rng.random() * self.surname_weights[-1])
            ]
        )
        first = self.rng.choice(given)
        return surname, surname + (
            first if self.rng.random() < 0.3 else first + self.rng.choice(given)
        )

    def _pinyin(self, surname: str, name: str) -> tuple[str, str]:
        """(pinyin, initials) as ``registry.names`` writes them."""
        return names.pinyin_of(name), names.initials_of(name)

    def _date_after(self, years_back: int, *, years: int) -> dt.date:
        """A day in the last ``years`` years, and no more than ``years_back`` years ago."""
        days = max(30, min(years_back, years) * 365)
        return self.today - dt.timedelta(days=self.rng.randint(30, days))

    def _id_number(self, code: str, age: int, *, male: bool | None = None) -> str:
        if male is None:
            male = self.rng.random() < 0.5
        while True:
            born = self.today - dt.timedelta(days=age * 365 + self.rng.randint(0, 364))
            sequence = self.rng.randint(0, 499) * 2 + (1 if male else 0)
            first17 = f"{code}{born:%Y%m%d}{sequence:03d}"
            number = first17 + identity.check_character(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def _mobile(self) -> str:
        while True:
            phone = f"+86{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randint(0, 99_999_999):08d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def _credit_code(self, head: str) -> str:
        while True:
            body = "".join(self.rng.choice(CREDIT_ALPHABET) for _ in range(9))
            first17 = f"{head}{LOCAL_CODE}{body}"
            code = first17 + checks.credit_check_character(first17)
            if code not in self.used_credit:
                self.used_credit.add(code)
                return code
