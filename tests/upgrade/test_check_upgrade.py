"""``fengqiao manage check_upgrade`` on databases at head, one step behind and ahead of this
code, and the words it finds for each kind of operation."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ModelState, ProjectState

from fengqiao.upgrades.plan import describe_operation
from tests.upgrade.scratch import release_database, releases


@pytest.fixture(scope="module")
def head(tmp_path_factory):
    """The newest release's database migrated to head (shared: each test puts back what it
    changes)."""
    with release_database(tmp_path_factory.mktemp("head"), releases()[-1]) as scratch:
        scratch.manage("migrate", "--no-input")
        yield scratch


def _last_step_alone() -> tuple[str, str, str]:
    """One of our apps whose latest migration changes tables (no raw SQL or Python), can be
    reversed and nothing else depends on: (app, that migration, the one before it)."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    ours = [
        key
        for key in graph.leaf_nodes()
        if apps.get_app_config(key[0]).name.startswith("fengqiao.")
    ]
    for app, name in sorted(ours):
        node = graph.node_map[app, name]
        before = [parent.key for parent in node.parents if parent.key[0] == app]
        migration = graph.nodes[app, name]
        plain = all(
            operation.reversible
            and not isinstance(operation, migrations.RunPython | migrations.RunSQL)
            for operation in migration.operations
        )
        if not node.children and len(before) == 1 and plain:
            return app, name, before[0][1]
    raise AssertionError("no app has a latest migration that can be unapplied alone")


def test_an_up_to_date_database_has_nothing_to_change(head):
    done = head.manage("check_upgrade")
    assert "无需变更 / nothing to change" in done.stdout
    code, plan = head.check_upgrade()
    assert (code, plan["status"], plan["pending"], plan["tables"]) == (0, "up_to_date", [], [])


def test_one_unapplied_migration_is_listed_alone_with_its_table(head):
    app, name, before = _last_step_alone()
    head.manage("migrate", app, before, "--no-input")
    try:
        code, plan = head.check_upgrade()
        text = head.manage("check_upgrade").stdout
    finally:
        head.manage("migrate", "--no-input")
    assert code == 0
    assert plan["status"] == "pending"
    assert [(m["app"], m["name"]) for m in plan["pending"]] == [(app, name)]
    assert plan["backup_first"] == "fengqiao manage backup"
    touched = {t for op in plan["pending"][0]["operations"] for t in op["tables"]}
    assert touched
    assert {t["table"] for t in plan["tables"]} == touched
    assert all(t["rows"] is None or t["rows"] >= 0 for t in plan["tables"])
    assert f"{app}\n  {name}\n" in text
    assert "请先备份 / back up first: fengqiao manage backup" in text


def test_a_database_newer_than_this_code_is_refused(head):
    recorder = (
        "from django.db import connection; "
        "from django.db.migrations.recorder import MigrationRecorder; "
        "MigrationRecorder(connection).record_{}('registry', '9999_from_a_newer_release')"
    )
    head.manage("shell", "-c", recorder.format("applied"))
    try:
        done = head.manage("check_upgrade", "--json", check=False)
        text = head.manage("check_upgrade", check=False)
    finally:
        head.manage("shell", "-c", recorder.format("unapplied"))
    assert done.returncode == 2
    plan = json.loads(done.stdout)
    assert plan["status"] == "newer_database"
    assert plan["unknown_applied"] == [["registry", "9999_from_a_newer_release"]]
    assert text.returncode == 2
    assert "数据库比本程序新" in text.stdout
    assert "registry.9999_from_a_newer_release" in text.stdout


def test_an_inconsistent_history_is_refused(head):
    app, name, before = _last_step_alone()
    recorder = (
        "from django.db import connection; "
        "from django.db.migrations.recorder import MigrationRecorder; "
        f"MigrationRecorder(connection).record_{{}}({app!r}, {before!r})"
    )
    # The step before is recorded as not applied while the one after it is.
    head.manage("shell", "-c", recorder.format("unapplied"))
    try:
        done = head.manage("check_upgrade", "--json", check=False)
    finally:
        head.manage("shell", "-c", recorder.format("applied"))
    assert done.returncode == 2
    plan = json.loads(done.stdout)
    assert plan["status"] == "inconsistent"
    assert f"{app}.{name}" in plan["problem"]


def _state() -> ProjectState:
    state = ProjectState()
    state.add_model(
        ModelState(
            "shop",
            "thing",
            [
                ("id", models.AutoField(primary_key=True)),
                ("note", models.CharField(max_length=40, null=True)),
                ("code", models.CharField(max_length=20)),
            ],
        )
    )
    return state


def _described(operation) -> dict:
    [change] = describe_operation(operation, app_label="shop", state=_state(), max_name_length=63)
    return {
        "label": change.label,
        "tables": change.tables,
        "irreversible": change.irreversible,
        "may_lose_data": change.may_lose_data,
        "warnings": len(change.warnings),
    }


def _forwards(apps, schema_editor):
    pass


@pytest.mark.parametrize(
    ("operation", "label", "irreversible", "may_lose_data"),
    [
        (migrations.AddField("thing", "size", models.IntegerField(default=0)), "新增字段", 0, 0),
        (migrations.RemoveField("thing", "note"), "删除字段", 0, 1),
        (migrations.DeleteModel("thing"), "删除表", 0, 1),
        (migrations.AlterField("thing", "note", models.CharField(max_length=40)), "修改字段", 0, 1),
        (
            migrations.AlterField("thing", "note", models.CharField(max_length=40, default="")),
            "修改字段",
            0,
            0,
        ),
        (migrations.AlterField("thing", "code", models.CharField(max_length=8)), "修改字段", 0, 1),
        (migrations.RunPython(_forwards), "数据迁移", 1, 0),
        (migrations.RunPython(_forwards, migrations.RunPython.noop), "数据迁移", 0, 0),
        (migrations.RunSQL("UPDATE shop_thing SET code = ''"), "执行 SQL", 1, 0),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_operation_says_what_it_changes_and_what_it_risks(
    operation, label, irreversible, may_lose_data
):
    described = _described(operation)
    assert described["label"].startswith(label)
    assert (described["irreversible"], described["may_lose_data"]) == (
        bool(irreversible),
        bool(may_lose_data),
    )
    # Every flag comes with its reason, in words.
    assert described["warnings"] >= irreversible + may_lose_data
    if not isinstance(operation, migrations.RunPython | migrations.RunSQL):
        assert described["tables"] == ("shop_thing",)


def test_a_new_table_is_named_before_it_exists():
    operation = migrations.CreateModel("Crate", [("id", models.AutoField(primary_key=True))])
    [change] = describe_operation(operation, app_label="shop", state=_state(), max_name_length=63)
    assert (change.label, change.tables) == ("新表 / new table", ("shop_crate",))
