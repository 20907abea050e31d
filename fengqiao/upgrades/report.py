"""An upgrade plan in words for a person (Chinese first) and as JSON for a program."""

from __future__ import annotations

from dataclasses import asdict

from django.utils.translation import gettext as _

from fengqiao.upgrades.plan import UpgradePlan

BACKUP_FIRST = "fengqiao manage backup"
MIGRATE = "fengqiao manage migrate"


def as_json(plan: UpgradePlan) -> dict:
    """The plan as plain data: ``status`` first, then everything ``as_text`` says."""
    return {
        "status": plan.status,
        "database": plan.database,
        "pending": [asdict(migration) for migration in plan.pending],
        "tables": [asdict(table) for table in plan.tables],
        "flagged": plan.flagged,
        "unknown_applied": [list(key) for key in plan.unknown_applied],
        "foreign_applied": [list(key) for key in plan.foreign_applied],
        "problem": plan.problem,
        "backup_first": BACKUP_FIRST if plan.status == "pending" else "",
    }


def as_text(plan: UpgradePlan) -> list[str]:
    """The plan as lines for a terminal, Chinese first."""
    lines = [_("数据库 / database: %s") % plan.database]
    if plan.status == "newer_database":
        lines.append(
            _(
                "数据库比本程序新：其中有本程序不认识的迁移，请使用更新的版本，不要用本版本迁移 / "
                "the database is newer than this code (migrations it does not know): run the "
                "newer release, do not migrate with this one"
            )
        )
        lines.extend(f"  {app}.{name}" for app, name in plan.unknown_applied)
        return lines
    if plan.status == "inconsistent":
        lines.append(
            _("迁移记录不一致，migrate 会拒绝执行 / the migration history is inconsistent:")
        )
        lines.append(f"  {plan.problem}")
        return lines
    if plan.foreign_applied:
        lines.append(
            _(
                "以下应用不在本程序中，其迁移保持不动 / "
                "apps this code does not have, left as they are:"
            )
        )
        lines.extend(f"  {app}.{name}" for app, name in plan.foreign_applied)
    if plan.status == "up_to_date":
        lines.append(_("数据库已是最新，无需变更 / nothing to change: the database is up to date"))
        return lines
    lines.append(
        _("待执行的迁移（按执行顺序） / pending migrations, in order: %d") % len(plan.pending)
    )
    app = None
    for migration in plan.pending:
        if migration.app != app:
            app = migration.app
            lines.append(f"{app}")
        lines.append(f"  {migration.name}")
        for change in migration.operations:
            where = f"  [{', '.join(change.tables)}]" if change.tables else ""
            lines.append(f"    {change.label}: {change.description}{where}")
            lines.extend(f"      ! {warning}" for warning in change.warnings)
    if plan.tables:
        lines.append(_("涉及的表（当前行数） / tables touched (rows now):"))
        width = max(len(table.table) for table in plan.tables)
        for table in plan.tables:
            rows = _("新表 / new") if table.rows is None else _("%d 行 / rows") % table.rows
            lines.append(f"  {table.table.ljust(width)}  {rows}")
    if plan.flagged:
        lines.append(
            _(
                "注意：%(n)d 项操作不可撤销或可能丢失数据（见上方 !） / "
                "%(n)d operations cannot be undone or may lose data (marked !)"
            )
            % {"n": plan.flagged}
        )
    lines.append(_("请先备份 / back up first: %s") % BACKUP_FIRST)
    lines.append(_("然后执行 / then run: %s") % MIGRATE)
    return lines
