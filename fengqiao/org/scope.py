"""Jurisdiction: which records a user may see. One helper, used by every list and lookup.

Every scoped model names where it sits in the trees, as class attributes holding lookups:
``scope_region_path`` (a path in the region tree) and/or ``scope_unit_path`` (a path in
the police-unit tree). A user's staff posting (their person's unit or region) and their
access grants open whole subtrees of either tree; a unit also opens that unit's area.
Superusers see everything; anyone else with no posting and no grant, nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from fengqiao.places.models import subtree_q
from fengqiao.precompiled import precompiled

_CACHE_ATTR = "_fengqiao_scope"
# The user's access grants as read with their roles (``permissions.roles_of``), kept for
# ``scope_for`` in the same request.
_GRANTS_ATTR = "_fengqiao_grant_paths"


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    region_paths: tuple[str, ...] = ()
    unit_paths: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.everything or self.region_paths or self.unit_paths)

    def covers_region_path(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.region_paths)


def _outermost(paths: set[str]) -> tuple[str, ...]:
    """Drop paths that lie under another one: they add nothing to the filter."""
    kept: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return tuple(kept)


def scope_for(user) -> Scope:
    """The user's jurisdiction, computed once per request (cached on the user object)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        scope = Scope()
    elif user.is_superuser:
        scope = Scope(everything=True)
    else:
        region_paths: set[str] = set()
        unit_paths: set[str] = set()
        # A person's own posting (unit or region) opens its subtree without a separate
        # grant; grants add areas beyond it (a bureau analyst, a judicial office).
        places = list(_grant_paths(user))
        person = person_of(user)
        if person is not None and person.active:
            region, unit = person.region, person.unit
            places.append(
                (
                    region.path if region is not None else None,
                    unit.path if unit is not None else None,
                    unit.jurisdiction.path if unit is not None else None,
                )
            )
        for region_path, unit_path, area_path in places:
            if region_path is not None:
                region_paths.add(region_path)
            if unit_path is not None:
                unit_paths.add(unit_path)
                region_paths.add(area_path)
        scope = Scope(region_paths=_outermost(region_paths), unit_paths=_outermost(unit_paths))
    setattr(user, _CACHE_ATTR, scope)
    return scope


# Postings are read for their paths; parsing the polygons would be most of the cost.
_BOUNDARIES = ("region__boundary", "unit__jurisdiction__boundary")

GRANT_ROW = "-grant"


def grant_rows_sql() -> str:
    """The user's access grants as rows ``(GRANT_ROW, region path, unit path, the unit's
    area path)``, the paths a grant does not name NULL; its one ``%s`` is the user's id.

    Plain SQL, built once: every staff request reads its grants, and compiling the same
    joins through the ORM each time cost more than the read. ``permissions`` runs it in one
    statement with the roles and permissions (``keep_grant_paths``); ``scope_for`` runs it
    alone when that did not happen.
    """
    return _grant_rows_sql(connection.vendor)


@cache
def _grant_rows_sql(vendor: str) -> str:  # the vendor keys the cache: quoting differs
    from fengqiao.org.models import AccessGrant, Unit
    from fengqiao.places.models import Region

    grant, region, unit = sql_names(AccessGrant), sql_names(Region), sql_names(Unit)
    return (
        f"SELECT '{GRANT_ROW}', r.{region.path}, u.{unit.path}, a.{region.path}"
        f" FROM {grant.table} g"
        f" LEFT JOIN {region.table} r ON r.{region.pk} = g.{grant.region}"
        f" LEFT JOIN {unit.table} u ON u.{unit.pk} = g.{grant.unit}"
        f" LEFT JOIN {region.table} a ON a.{region.pk} = u.{unit.jurisdiction}"
        f" WHERE g.{grant.user} = %s"
    )


def sql_names(model: type[Model]) -> SimpleNamespace:
    """A model's table (``.table``), primary key (``.pk``) and each field's column (``.path``,
    ``.region`` ...), quoted for the database, for statements written by hand."""
    meta, quote = model._meta, connection.ops.quote_name
    columns = {field.name: quote(field.column) for field in meta.concrete_fields}
    return SimpleNamespace(table=quote(meta.db_table), pk=quote(meta.pk.column), **columns)


def keep_grant_paths(user, rows) -> None:
    """Keep the grant rows read with the user's roles, so ``scope_for`` reads none."""
    setattr(user, _GRANTS_ATTR, tuple(tuple(row[1:]) for row in rows))


def grants_known(user) -> bool:
    """Whether ``scope_for`` has what it needs of the user's grants without a read."""
    return hasattr(user, _GRANTS_ATTR) or hasattr(user, _CACHE_ATTR)


def _grant_paths(user) -> tuple[tuple[str | None, str | None, str | None], ...]:
    """(region path, unit path, the unit's area path) of each of the user's grants."""
    kept = getattr(user, _GRANTS_ATTR, None)
    if kept is not None:
        return kept
    sql = grant_rows_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        return tuple(tuple(row[1:]) for row in cursor.fetchall())


def person_of(user):
    """The user's staff profile with its posting, or None (a resident, an anonymous visitor).

    Read once per user object and kept in Django's own cache of the reverse one-to-one
    relation, so ``user.person`` and ``hasattr(user, "person")`` reuse it too.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    relation = get_user_model().person.related
    if relation.is_cached(user):
        return relation.get_cached_value(user)
    found = _person_with_posting(user.pk) if user.pk is not None else []
    person = found[0] if found else None  # one at most: the relation is one-to-one
    relation.set_cached_value(user, person)
    return person


# Compiled once: a session's every request reads it (issue 20).
@precompiled
def _person_with_posting(user_id: int):
    from fengqiao.org.models import Person

    return (
        Person.objects.select_related("region", "unit__jurisdiction")
        .defer(*_BOUNDARIES)
        .filter(user=user_id)
    )


def forget_scope(user) -> None:
    """Drop the cached scope (and grants) after the user's grants change."""
    for attr in (_CACHE_ATTR, _GRANTS_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def scope_to(user, queryset: QuerySet) -> QuerySet:
    """``queryset`` narrowed to the records inside the user's jurisdiction."""
    model = queryset.model
    region_field = getattr(model, "scope_region_path", None)
    unit_field = getattr(model, "scope_unit_path", None)
    if region_field is None and unit_field is None:
        raise ImproperlyConfigured(f"{model.__name__} declares no scope_region_path/unit_path")
    scope = scope_for(user)
    if scope.everything:
        return queryset
    condition = Q()
    if region_field:
        for path in scope.region_paths:
            condition |= subtree_q(path, region_field)
    if unit_field:
        for path in scope.unit_paths:
            condition |= subtree_q(path, unit_field)
    if not condition:
        return queryset.none()
    # A join through a many-valued relation could repeat rows; scoped fields are single-valued.
    return queryset.filter(condition)


def get_for(user, queryset: QuerySet | type[Model], **lookup) -> Model:
    """The one record matching ``lookup`` inside the user's scope, else 404.

    Missing and out-of-scope records give the same answer, so nothing leaks that a record
    exists somewhere the user may not look.
    """
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    try:
        return scope_to(user, queryset).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def in_scope(user, obj: Model) -> bool:
    """Whether ``obj`` lies inside the user's jurisdiction: read off the object when it
    carries its own paths, else asked of the database."""
    model = type(obj)
    region_field = getattr(model, "scope_region_path", None)
    unit_field = getattr(model, "scope_unit_path", None)
    fields = [field for field in (region_field, unit_field) if field]
    if not all("__" not in field and field in obj.__dict__ for field in fields):
        return scope_to(user, model._default_manager.filter(pk=obj.pk)).exists()
    scope = scope_for(user)
    if scope.everything:
        return True
    region_path = getattr(obj, region_field) if region_field else None
    unit_path = getattr(obj, unit_field) if unit_field else None
    return bool(
        (region_path and any(region_path.startswith(p) for p in scope.region_paths))
        or (unit_path and any(unit_path.startswith(p) for p in scope.unit_paths))
    )
