from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "fengqiao.org"
    label = "org"
    verbose_name = _("机构与人员")

    def ready(self) -> None:
        from django.contrib import admin

        admin.site.site_header = _("枫桥 · 管理后台")
        admin.site.site_title = _("枫桥")
        admin.site.index_title = _("数据管理")
