from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "fengqiao.dispatch"
    label = "dispatch"
    verbose_name = _("接处警")

    def ready(self) -> None:
        # Intake is the one door and sits below dispatch: it announces each report and an
        # alarm becomes an incident here, inside the same transaction.
        from fengqiao.dispatch import push, services

        services.connect()
        push.register()
