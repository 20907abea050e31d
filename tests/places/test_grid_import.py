"""places.grid_import: all-or-nothing grid import, with every problem reported."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from fengqiao.audit.models import AuditEvent
from fengqiao.places.grid_import import GridImportError, import_grids
from fengqiao.places.models import Region
from fengqiao.places.selectors import locate
from tests.factories import AccessGrantFactory, PersonFactory, UserFactory, square

BOW_TIE = {
    "type": "Polygon",
    "coordinates": [
        [[120.02, 30.02], [120.03, 30.03], [120.03, 30.02], [120.02, 30.03], [120.02, 30.02]]
    ],
}


def feature(code, geometry, *, parent="330699001001", name=None, **extra):
    properties = {"code": code, "name": name or f"网格{code}", "parent": parent, **extra}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def good_file():
    return collection(
        feature("330699001001G03", square(120.02, 30.00), population=850),
        feature("330699002001G02", square(120.11, 30.00), parent="330699002001"),
    )


def problems_of(excinfo):
    """Each feature's problems, joined, keyed by (position, code)."""
    found = {}
    for problem in excinfo.value.report.problems:
        key = (problem.index, problem.code)
        found[key] = f"{found[key]} | {problem.message}" if key in found else problem.message
    return found


@pytest.fixture
def counts():
    def snapshot():
        return Region.objects.count(), AuditEvent.objects.count()

    return snapshot


def test_a_valid_file_creates_every_grid_and_audits_each(world):
    report = import_grids(geojson=good_file(), actor=world.county_admin)
    assert report.ok and report.created == ["330699001001G03", "330699002001G02"]
    grid = Region.objects.get(code="330699001001G03")
    assert grid.level == "grid" and grid.parent == world.community_a
    assert grid.path == "/330699/330699001/330699001001/330699001001G03/"
    assert grid.population == 850
    assert 120.02 < grid.lon < 120.03 and 30.00 < grid.lat < 30.01
    events = AuditEvent.objects.filter(action="places.grid_imported")
    assert sorted(e.object_repr for e in events) == ["网格330699001001G03", "网格330699002001G02"]
    assert {e.actor for e in events} == {world.county_admin}
    # The new grid is found by the next lookup, in this process or any other.
    assert locate(120.025, 30.005).grid == grid


def test_a_grid_touching_an_existing_one_along_an_edge_is_fine(world):
    # grid_a2 covers 120.01–120.02; this one starts at 120.02, and a hair's overlap is noise.
    almost = square(120.02 - 1e-9, 30.00)
    report = import_grids(
        geojson=collection(feature("330699001001G03", almost)), actor=world.county_admin
    )
    assert report.created == ["330699001001G03"]


def test_every_problem_is_reported_together_and_nothing_is_written(world, counts):
    before = counts()
    bad = collection(
        feature("330699001001G11", BOW_TIE),
        feature("330699001001G12", square(120.005, 30.00, 0.004)),  # inside grid_a1
        feature("330699001001G13", square(120.04, 30.00), parent="NOPE"),
        feature("330699001001G14", square(120.05, 30.00)),
        feature("330699001001G14", square(120.06, 30.00)),
        feature("330699001001G01", square(120.07, 30.00)),  # grid_a1's code
        feature("330699001001G15", {"type": "Point", "coordinates": [120.0, 30.0]}),
        feature("330699001001G16", square(190.0, 30.0)),
        feature("G-17", square(120.08, 30.00), parent="330699"),
        feature("330699001001G18", square(120.085, 30.00)),  # overlaps the feature before
        feature("330699001001G19", square(120.09, 30.00), population=-3),
    )
    with pytest.raises(GridImportError) as excinfo:
        import_grids(geojson=bad, actor=world.county_admin)
    problems = problems_of(excinfo)
    assert "自相交" in problems[(1, "330699001001G11")]
    assert "Self-intersection" in problems[(1, "330699001001G11")]
    assert "330699001001G01" in problems[(2, "330699001001G12")]
    assert "重叠" in problems[(2, "330699001001G12")]
    assert "NOPE" in problems[(3, "330699001001G13")]
    assert "重复" in problems[(4, "330699001001G14")]
    assert "重复" in problems[(5, "330699001001G14")]
    assert "已存在" in problems[(6, "330699001001G01")]
    assert "Polygon" in problems[(7, "330699001001G15")]
    assert "WGS84" in problems[(8, "330699001001G16")]
    assert "字母和数字" in problems[(9, "G-17")]
    assert "上级区域 330699 必须是社区" in problems[(9, "G-17")]
    assert "第 9 个要素" in problems[(10, "330699001001G18")]
    assert "常住人口" in problems[(11, "330699001001G19")]
    assert counts() == before


def test_a_broken_file_is_reported_not_crashed_on(world, counts):
    before = counts()
    for bad in ({"type": "Feature"}, collection(), collection("x"), [1, 2]):
        with pytest.raises(GridImportError) as excinfo:
            import_grids(geojson=bad, actor=world.county_admin)
        assert excinfo.value.report.problems
    malformed = {"type": "Polygon", "coordinates": [[[120.0, 30.0], ["a", 30.1]]]}
    short_ring = {"type": "Polygon", "coordinates": [[[120.0, 30.0], [120.1, 30.0]]]}
    with pytest.raises(GridImportError) as excinfo:
        import_grids(
            geojson=collection(feature("G1", malformed), feature("G2", short_ring), {"a": 1}),
            actor=world.county_admin,
        )
    assert [p.index for p in excinfo.value.report.problems] == [1, 2, 3]
    assert counts() == before


def test_an_officer_without_the_permission_is_refused_and_nothing_written(world, counts):
    before = counts()
    with pytest.raises(PermissionDenied):
        import_grids(geojson=good_file(), actor=world.officer_a)
    with pytest.raises(PermissionDenied):
        import_grids(geojson=good_file(), actor=None)
    assert counts() == before


def test_a_parent_outside_the_actors_scope_reads_as_missing(world, counts):
    township_admin = UserFactory(username="admin_a")
    PersonFactory(user=township_admin, name="admin_a", unit=world.station_a, role_codes=["admin"])
    AccessGrantFactory(user=township_admin, unit=world.station_a)
    before = counts()
    with pytest.raises(GridImportError) as excinfo:
        import_grids(geojson=good_file(), actor=township_admin)
    (problem,) = excinfo.value.report.problems
    assert problem.index == 2 and "不存在或不在您的管辖范围内" in problem.message
    assert counts() == before


def test_a_dry_run_checks_everything_and_writes_nothing(world, counts):
    before = counts()
    report = import_grids(geojson=good_file(), actor=world.county_admin, dry_run=True)
    assert report.ok and report.feature_count == 2 and report.created == []
    assert counts() == before


def write(tmp_path, content):
    path = tmp_path / "grids.geojson"
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return str(path)


def test_the_command_imports_a_file(world, tmp_path, capsys):
    call_command("import_grids", write(tmp_path, good_file()), "--as", "county_admin")
    assert "已导入 2 个网格" in capsys.readouterr().out
    assert Region.objects.filter(code="330699002001G02", parent=world.community_b).exists()
    event = AuditEvent.objects.get(object_repr="网格330699002001G02")
    assert event.origin == "command import_grids grids.geojson"


def test_the_command_dry_run_writes_nothing(world, tmp_path, capsys, counts):
    before = counts()
    call_command("import_grids", write(tmp_path, good_file()), "--dry-run", "--as", "county_admin")
    assert "可导入 2 个网格" in capsys.readouterr().out
    assert counts() == before


def test_the_command_prints_one_line_per_problem_and_fails(world, tmp_path, capsys, counts):
    before = counts()
    bad = collection(
        feature("330699001001G11", BOW_TIE), feature("X", square(120.005, 30.0, 0.004))
    )
    with pytest.raises(CommandError, match="2 个问题"):
        call_command("import_grids", write(tmp_path, bad), "--as", "county_admin")
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("第 1 个要素 [330699001001G11]: 几何无效")
    assert lines[1].startswith("第 2 个要素 [X]: 与已有网格 330699001001G01 重叠")
    assert counts() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "文件不存在"), ("{not json", "不是有效的 JSON，第 1 行")],
)
def test_the_command_explains_an_unreadable_file(world, tmp_path, content, message):
    path = str(tmp_path / "missing.geojson") if content is None else write(tmp_path, content)
    with pytest.raises(CommandError, match=message):
        call_command("import_grids", path, "--as", "county_admin")


def test_the_command_refuses_an_unknown_or_unpermitted_user(world, tmp_path, counts):
    before = counts()
    path = write(tmp_path, good_file())
    with pytest.raises(CommandError, match="用户不存在"):
        call_command("import_grids", path, "--as", "nobody")
    with pytest.raises(CommandError, match="没有导入网格的权限"):
        call_command("import_grids", path, "--as", "officer_a")
    assert counts() == before


def test_a_code_taken_between_check_and_write_rolls_everything_back(world, counts, monkeypatch):
    # Stand-in for a concurrent import claiming the code after this one checked it.
    monkeypatch.setattr("fengqiao.places.grid_import._check_codes", lambda features, report: None)
    before = counts()
    racing = collection(
        feature("330699001001G03", square(120.02, 30.00)),
        feature("330699001001G01", square(120.03, 30.00)),
    )
    with pytest.raises(GridImportError, match="其他导入占用"):
        import_grids(geojson=racing, actor=world.county_admin)
    assert counts() == before
