"""Importing grids from a GeoJSON FeatureCollection: check everything, then write all or nothing.

Each feature is one grid: a Polygon or MultiPolygon in WGS84 lon/lat with properties
``code``, ``name``, ``parent`` (the code of an existing community/village or township in the
actor's scope) and optionally ``population``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import shapely
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from shapely.errors import ShapelyError
from shapely.validation import explain_validity

from fengqiao.audit import services as audit
from fengqiao.places.models import Region
from fengqiao.places.selectors import grid_index
from fengqiao.places.spatial import geometry_from_geojson, overlaps_within

IMPORT_PERMISSION = "places.import_grids"
GRID_PARENT_LEVELS = ("community", "township")
# Overlaps up to this many square metres are digitising noise, not a real overlap.
OVERLAP_TOLERANCE_M2 = 1.0
_CODE_MAX = Region._meta.get_field("code").max_length
_NAME_MAX = Region._meta.get_field("name").max_length


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with the file; ``index`` is the feature's 1-based position (0: file)."""

    index: int
    code: str
    message: str

    def __str__(self) -> str:
        where = _("第 %(n)d 个要素") % {"n": self.index} if self.index else _("文件")
        code = f" [{self.code}]" if self.code else ""
        return f"{where}{code}: {self.message}"


@dataclass
class ImportReport:
    """What an import found and did. ``created`` holds the new grids' codes (empty on a dry
    run or when there are problems); ``problems`` is every problem found, in file order."""

    feature_count: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        if self.problems:
            return [str(problem) for problem in self.problems] + [
                _("共 %(n)d 个问题，未导入任何网格（nothing imported）") % {"n": len(self.problems)}
            ]
        if self.dry_run:
            return [
                _("检查通过：可导入 %(n)d 个网格（dry run, nothing written）")
                % {"n": self.feature_count}
            ]
        return [_("已导入 %(n)d 个网格（imported）") % {"n": len(self.created)}]


class GridImportError(ValidationError):
    """The file has problems; ``report`` lists all of them. Nothing was written."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__([str(problem) for problem in report.problems])
        self.report = report


@dataclass
class _Feature:
    index: int
    code: str = ""
    name: str = ""
    parent_code: str = ""
    population: int | None = None
    geojson: dict | None = None
    geometry: shapely.Geometry | None = None
    parent: Region | None = None
    # False when the entry is not even a Feature: one problem says so, no more checks.
    readable: bool = True


def import_grids(*, geojson: dict, actor, dry_run: bool = False) -> ImportReport:
    """Create one grid Region per feature of ``geojson``, or none at all.

    Every feature is checked (geometry type, validity, WGS84 range, code, duplicate codes in
    the file and in the database, parent, overlap with existing grids and with each other)
    and every problem is reported together by raising ``GridImportError``. Without problems,
    all grids are created in one transaction, each with an audit event
    ``places.grid_imported``; with ``dry_run`` nothing is written. Raises
    ``PermissionDenied`` unless the actor may import grids. A parent outside the actor's
    scope is reported like a missing one, so the report does not reveal it exists.
    """
    if actor is None or not actor.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied(_("您没有执行此操作的权限"))
    report = ImportReport(dry_run=dry_run)
    features = _read_features(geojson, report)
    report.feature_count = len(features)
    readable = [feature for feature in features if feature.readable]
    for feature in readable:
        _check_geometry(feature, report)
    _check_codes(readable, report)
    _check_parents(readable, actor, report)
    _check_overlaps(readable, report)
    report.problems.sort(key=lambda problem: problem.index)
    if report.problems:
        raise GridImportError(report)
    if dry_run:
        return report
    try:
        _create(features, actor, report)
    except IntegrityError as exc:
        # Another import took one of these codes between the check and the write.
        report.created.clear()
        _problem(report, None, _("编码刚被其他导入占用，未导入，请重试（code taken meanwhile）"))
        raise GridImportError(report) from exc
    return report


def _problem(report: ImportReport, feature: _Feature | None, message: str) -> None:
    report.problems.append(
        ImportProblem(feature.index if feature else 0, feature.code if feature else "", message)
    )


def _read_features(geojson, report: ImportReport) -> list[_Feature]:
    if not isinstance(geojson, dict) or geojson.get("type") != "FeatureCollection":
        _problem(report, None, _("文件必须是 GeoJSON FeatureCollection（not a FeatureCollection）"))
        return []
    raw_features = geojson.get("features")
    if not isinstance(raw_features, list) or not raw_features:
        _problem(report, None, _("文件中没有要素（no features）"))
        return []
    features = []
    for position, raw in enumerate(raw_features, start=1):
        feature = _Feature(index=position)
        features.append(feature)
        if not isinstance(raw, dict) or raw.get("type") != "Feature":
            _problem(report, feature, _("不是 GeoJSON Feature（not a Feature）"))
            feature.readable = False
            continue
        properties = raw.get("properties") or {}
        if not isinstance(properties, dict):
            properties = {}
        feature.code = str(properties.get("code") or "").strip()
        feature.name = str(properties.get("name") or "").strip()
        feature.parent_code = str(properties.get("parent") or "").strip()
        feature.geojson = raw.get("geometry")
        _check_properties(feature, properties.get("population"), report)
    return features


def _check_properties(feature: _Feature, population, report: ImportReport) -> None:
    if not feature.code:
        _problem(report, feature, _("缺少编码 code（missing code）"))
    elif not (feature.code.isascii() and feature.code.isalnum()):
        _problem(report, feature, _("编码只能由字母和数字组成（code must be letters and digits）"))
    elif len(feature.code) > _CODE_MAX:
        _problem(
            report, feature, _("编码过长，最多 %(n)d 个字符（code too long）") % {"n": _CODE_MAX}
        )
    if not feature.name:
        _problem(report, feature, _("缺少名称 name（missing name）"))
    elif len(feature.name) > _NAME_MAX:
        _problem(
            report, feature, _("名称过长，最多 %(n)d 个字符（name too long）") % {"n": _NAME_MAX}
        )
    if not feature.parent_code:
        _problem(report, feature, _("缺少上级区域编码 parent（missing parent）"))
    if population is not None:
        if isinstance(population, bool) or not isinstance(population, int) or population < 0:
            _problem(
                report,
                feature,
                _("常住人口必须是非负整数（population must be a whole number ≥ 0）"),
            )
        else:
            feature.population = population


def _all_coordinates(coordinates) -> Iterator:
    """Every position in a nested GeoJSON coordinate array."""
    if (
        isinstance(coordinates, list | tuple)
        and coordinates
        and not isinstance(coordinates[0], list | tuple)
    ):
        yield coordinates
        return
    for item in coordinates if isinstance(coordinates, list | tuple) else ():
        yield from _all_coordinates(item)


def _check_geometry(feature: _Feature, report: ImportReport) -> None:
    geojson = feature.geojson
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        kind = geojson.get("type") if isinstance(geojson, dict) else None
        _problem(
            report,
            feature,
            _("几何类型必须是 Polygon 或 MultiPolygon，而不是 %(kind)s（wrong geometry type）")
            % {"kind": kind or _("空")},
        )
        return
    positions = list(_all_coordinates(geojson.get("coordinates")))
    for position in positions:
        if len(position) < 2 or not all(
            isinstance(value, int | float) and not isinstance(value, bool) for value in position
        ):
            _problem(report, feature, _("坐标格式错误（malformed coordinates）"))
            return
    if any(
        not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90)
        for lon, lat, *_rest in positions
    ):
        _problem(
            report,
            feature,
            _("坐标超出 WGS84 范围：经度 -180–180，纬度 -90–90（coordinates out of range）"),
        )
        return
    try:
        geometry = geometry_from_geojson(geojson)
    except (ValueError, TypeError, IndexError, ShapelyError) as exc:
        _problem(report, feature, _("坐标格式错误（malformed coordinates）: %(e)s") % {"e": exc})
        return
    if geometry.is_empty:
        _problem(report, feature, _("几何为空（empty geometry）"))
        return
    if not geometry.is_valid:
        _problem(
            report,
            feature,
            _("几何无效，例如边界自相交（invalid geometry）: %(why)s")
            % {"why": explain_validity(geometry)},
        )
        return
    feature.geometry = geometry
    feature.geojson = {"type": geojson["type"], "coordinates": geojson["coordinates"]}


def _check_codes(features: list[_Feature], report: ImportReport) -> None:
    counts = Counter(feature.code for feature in features if feature.code)
    # Codes are unique across the whole tree, so this lookup is deliberately unscoped: the
    # importer must learn a code is taken even when its holder lies outside their scope.
    taken = set(Region.objects.filter(code__in=list(counts)).values_list("code", flat=True))
    for feature in features:
        if counts.get(feature.code, 0) > 1:
            _problem(report, feature, _("编码在文件中重复（duplicate code in file）"))
        if feature.code in taken:
            _problem(report, feature, _("编码已存在（code already exists）"))


def _check_parents(features: list[_Feature], actor, report: ImportReport) -> None:
    wanted = {feature.parent_code for feature in features if feature.parent_code}
    visible = {
        region.code: region for region in Region.objects.for_user(actor).filter(code__in=wanted)
    }
    for feature in features:
        if not feature.parent_code:
            continue
        parent = visible.get(feature.parent_code)
        if parent is None:
            _problem(
                report,
                feature,
                _("上级区域 %(code)s 不存在或不在您的管辖范围内（parent not found）")
                % {"code": feature.parent_code},
            )
        elif parent.level not in GRID_PARENT_LEVELS:
            _problem(
                report,
                feature,
                _("上级区域 %(code)s 必须是社区（村）或乡镇（街道）（parent level）")
                % {"code": feature.parent_code},
            )
        else:
            feature.parent = parent


def _check_overlaps(features: list[_Feature], report: ImportReport) -> None:
    checked = [feature for feature in features if feature.geometry is not None]
    if not checked:
        return
    geometries = [feature.geometry for feature in checked]
    index, paths = grid_index()
    for i, grid_id, area in index.overlaps(geometries, min_area_m2=OVERLAP_TOLERANCE_M2):
        existing = paths[grid_id].rstrip("/").rsplit("/", 1)[-1]
        _problem(
            report,
            checked[i],
            _("与已有网格 %(code)s 重叠约 %(area).0f 平方米（overlaps an existing grid）")
            % {"code": existing, "area": area},
        )
    for i, j, area in overlaps_within(geometries, min_area_m2=OVERLAP_TOLERANCE_M2):
        _problem(
            report,
            checked[j],
            _("与文件中第 %(n)d 个要素重叠约 %(area).0f 平方米（overlaps another feature）")
            % {"n": checked[i].index, "area": area},
        )


def _create(features: list[_Feature], actor, report: ImportReport) -> None:
    with transaction.atomic():
        for feature in features:
            point = feature.geometry.representative_point()
            grid = Region(
                code=feature.code,
                name=feature.name,
                level="grid",
                parent=feature.parent,
                boundary=feature.geojson,
                lon=round(point.x, 7),
                lat=round(point.y, 7),
                population=feature.population,
            )
            grid.full_clean(exclude=["path", "depth"], validate_unique=False)
            grid.save()
            # Re-check after the write: the new grid must sit inside the actor's scope.
            if not Region.objects.for_user(actor).filter(pk=grid.pk).exists():
                raise PermissionDenied(_("您没有执行此操作的权限"))
            audit.record(
                actor=actor,
                action="places.grid_imported",
                obj=grid,
                changes={
                    "code": grid.code,
                    "name": grid.name,
                    "parent": feature.parent.code,
                    "population": grid.population,
                },
            )
            report.created.append(grid.code)
