from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "fengqiao.registry"
    verbose_name = _("实有人口、房屋、单位")
