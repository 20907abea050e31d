from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "fengqiao.services"
    label = "services"
    verbose_name = _("户籍及行政服务")
