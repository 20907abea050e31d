from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UpgradesConfig(AppConfig):
    name = "fengqiao.upgrades"
    label = "upgrades"
    verbose_name = _("升级")
