"""Loading the demo county: progress and logins on screen, once only, same seed same county."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from fengqiao.cli import main
from fengqiao.demo.generator import generate_county
from fengqiao.org.models import Person
from fengqiao.places.models import Building, Region


def test_first_load_shows_progress_and_logins_and_a_second_load_skips(db):
    out = StringIO()
    call_command("load_demo", scale=0.01, stdout=out)
    text = out.getvalue()
    assert "正在生成演示县… 乡镇 2/2" in text
    assert "演示账号" in text and "fengqiao2026" in text
    for username in ("police", "chief", "resident", "police_b", "chief_b"):
        assert f"  {username} " in text
    counts = (Region.objects.count(), Building.objects.count(), Person.objects.count())

    again = StringIO()
    call_command("load_demo", scale=0.01, stdout=again)
    assert "演示县已存在，跳过加载 / demo county already loaded" in again.getvalue()
    assert (Region.objects.count(), Building.objects.count(), Person.objects.count()) == counts


def test_the_same_seed_gives_the_same_county():
    first = generate_county(scale=0.02, seed=7)
    second = generate_county(scale=0.02, seed=7)
    assert [(r.code, r.name, r.boundary) for r in first.regions] == [
        (r.code, r.name, r.boundary) for r in second.regions
    ]
    assert [p.name for p in first.people] == [p.name for p in second.people]
    other = generate_county(scale=0.02, seed=8)
    assert [r.name for r in other.regions] != [r.name for r in first.regions]


def test_scale_makes_the_county_bigger_or_smaller():
    small = generate_county(scale=0.01)
    large = generate_county(scale=0.05)
    grids = [sum(r.level == "grid" for r in c.regions) for c in (small, large)]
    assert grids[0] < grids[1]
    assert sum(r.population for r in large.regions if r.level == "grid") == 75_000


def test_people_have_chinese_names_and_mainland_mobile_numbers():
    county = generate_county(scale=0.01)
    for person in county.people:
        assert all("\u4e00" <= ch <= "\u9fff" for ch in person.name), person.name
        assert person.phone.startswith("+861") and len(person.phone) == 14


@pytest.mark.parametrize("scale", ["abc", "0", "-1"])
def test_the_demo_command_line_rejects_a_bad_scale(scale, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--scale", scale])
    assert exit_info.value.code == 2
    assert "规模" in capsys.readouterr().err
