from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "fengqiao.analytics"
    label = "analytics"
    verbose_name = _("统计分析")

    def ready(self) -> None:
        # Facts follow the events as they are written (facts.py); nothing imports analytics,
        # so it listens rather than being called.
        from fengqiao.analytics import facts

        facts.connect()
