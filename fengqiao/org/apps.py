from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "fengqiao.org"
    label = "org"
    verbose_name = _("机构与人员")

    def ready(self) -> None:
        from django.contrib import admin
        from django.db.models.signals import post_migrate

        from fengqiao import scoping
        from fengqiao.org import revocation
        from fengqiao.org.scope import scope_to

        scoping.use(scope_to)
        revocation.connect()

        # Also after a test flush (which re-sends post_migrate), not only in migration 0002.
        post_migrate.connect(ensure_roles, sender=self)

        admin.site.site_header = _("枫桥 · 管理后台")
        admin.site.site_title = _("枫桥")
        admin.site.index_title = _("数据管理")
        admin.site.has_permission = may_use_admin_site


def may_use_admin_site(request) -> bool:
    """The admin is for administrators and station chiefs, whatever ``is_staff`` says."""
    from fengqiao.org.permissions import ADMIN_SITE_ROLES, roles_of

    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    return user.is_superuser or bool(roles_of(user) & ADMIN_SITE_ROLES)


def ensure_roles(using: str = "default", **kwargs) -> None:
    """Every role code in taxonomy.json has its row."""
    from fengqiao import taxonomy
    from fengqiao.org.models import Role

    existing = set(Role.objects.using(using).values_list("code", flat=True))
    Role.objects.using(using).bulk_create(
        [Role(code=code) for code in taxonomy.codes("role") if code not in existing]
    )
