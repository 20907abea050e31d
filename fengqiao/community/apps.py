from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "fengqiao.community"
    label = "community"
    verbose_name = _("社区群组")

    def ready(self) -> None:
        from fengqiao.community import nudges, push

        push.register()
        nudges.register()
