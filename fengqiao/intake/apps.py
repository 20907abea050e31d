from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "fengqiao.intake"
    label = "intake"
    verbose_name = _("群众反映")

    def ready(self) -> None:
        from fengqiao.intake import case_places, registry_panels

        registry_panels.register()
        case_places.register()
