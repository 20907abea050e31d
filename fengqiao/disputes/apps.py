from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "fengqiao.disputes"
    label = "disputes"
    verbose_name = _("矛盾纠纷")

    def ready(self) -> None:
        from fengqiao.disputes import exchange, registry_panels

        registry_panels.register()
        exchange.register()
