"""Pages, forms, the API and the admin read jurisdiction-bound records only through the
user's scope. This test reads the code: a plain ``Case.objects`` in such a module is a
finding unless it is narrowed on the spot (``.for_user(user)``, ``scope_to``/``get_for``),
names its escape (``.unscoped_for_jobs()``, ``.published()``), is the empty ``.none()`` a
DRF view declares, or is the base ``queryset`` of a ``Scoped…`` viewset, which narrows it
in ``get_queryset``. Services, selectors and jobs are left to review: they take the actor and scope
themselves, or are jobs by name."""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps

from fengqiao.scoping import ScopedQuerySet

PACKAGE = Path(__file__).resolve().parents[2] / "fengqiao"
SHELLS = ("views.py", "forms.py", "api.py", "admin.py", "rendering.py")
NARROWED = {"for_user", "unscoped_for_jobs", "published", "none"}
SCOPING_CALLS = {"scope_to", "get_for"}


def _scoped_models() -> set[str]:
    return {
        model.__name__
        for model in apps.get_models()
        if hasattr(model, "scope_region_path") or hasattr(model, "scope_unit_path")
    }


def _shell_modules() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts
        and (path.name in SHELLS or path.name.endswith(("_views.py", "_forms.py", "_admin.py")))
    ]


def _parse(path: Path) -> ast.Module:
    # CPython 3.11 counts the AST constructor's recursion depth per interpreter, not per
    # thread: a live server thread left by an earlier test that compiles a module meanwhile
    # makes a parse here fail with "AST constructor recursion depth mismatch" (a CI run saw
    # it once). Parsing is pure, so a second try is the same parse.
    source = path.read_text()
    try:
        return ast.parse(source)
    except SystemError:
        return ast.parse(source)


def _findings(path: Path, scoped: set[str]) -> list[str]:
    tree = _parse(path)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        is_manager = (
            isinstance(node, ast.Attribute)
            and node.attr in {"objects", "_default_manager", "_base_manager"}
            and isinstance(node.value, ast.Name)
            and node.value.id in scoped
        )
        if not is_manager:
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.attr in NARROWED:
            continue
        if _inside_scoping_call(node, parents) or _scoped_viewset_base(node, parents):
            continue
        found.append(
            f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.value.id}.{node.attr}"
        )
    return found


def _scoped_viewset_base(node, parents) -> bool:
    """``queryset = Model.objects…`` in the body of a ``Scoped…`` viewset class."""
    while node in parents and not isinstance(node, ast.stmt):
        node = parents[node]
    owner = parents.get(node)
    return (
        isinstance(node, ast.Assign)
        and [getattr(t, "id", "") for t in node.targets] == ["queryset"]
        and isinstance(owner, ast.ClassDef)
        and any(getattr(base, "id", "").startswith("Scoped") for base in owner.bases)
    )


def _inside_scoping_call(node, parents) -> bool:
    """``scope_to(user, Model.objects…)`` or ``get_for(user, Model.objects…)``."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in SCOPING_CALLS:
                return True
        if isinstance(node, ast.stmt):
            return False
    return False


def test_every_jurisdiction_bound_model_reads_through_for_user():
    unscoped = [
        model._meta.label
        for model in apps.get_models()
        if (hasattr(model, "scope_region_path") or hasattr(model, "scope_unit_path"))
        and not isinstance(model._default_manager.all(), ScopedQuerySet)
    ]
    assert not unscoped, f"models without for_user()/unscoped_for_jobs(): {unscoped}"


def test_pages_forms_api_and_admin_read_only_inside_the_users_scope():
    scoped = _scoped_models()
    found = [line for path in _shell_modules() for line in _findings(path, scoped)]
    assert not found, "plain reads of jurisdiction-bound records:\n" + "\n".join(found)


def test_the_check_finds_a_plain_read(tmp_path):
    module = tmp_path / "views.py"
    module.write_text(
        "def page(request, pk):\n"
        "    ok = Case.objects.for_user(request.user).get(pk=pk)\n"
        "    also_ok = get_for(request.user, Case.objects.all(), pk=pk)\n"
        "    return Case.objects.get(pk=pk)\n"
    )
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path
    try:
        assert [line.split()[-1] for line in _findings(module, {"Case"})] == ["Case.objects"]
    finally:
        PACKAGE = saved
