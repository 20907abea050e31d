"""Dispatch's pages: the alarm doors residents use, the board and the officer's phone, and
patrols. Each part keeps its own list; they share the ``dispatch`` namespace."""

from fengqiao.dispatch import alarm_urls, board_urls, patrol_urls

app_name = "dispatch"
urlpatterns = [*alarm_urls.urlpatterns, *board_urls.urlpatterns, *patrol_urls.urlpatterns]
