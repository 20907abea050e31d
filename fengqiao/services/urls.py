"""The service pages under /services/: the catalogue, applying and booking, tracking by
code, and the staff's work on applications."""

from django.urls import path

from fengqiao.services.views import manage, public, staff

app_name = "services"
urlpatterns = [
    path("", public.catalogue, name="catalogue"),
    path("<int:pk>/", public.detail, name="detail"),
    path("<int:pk>/apply/", public.apply, name="apply"),
    path("thanks/<str:code>/", public.thanks, name="thanks"),
    path("track/", public.track_lookup, name="track_lookup"),
    path("track/<str:code>/", public.track, name="track"),
    path("track/<str:code>/rate/", public.rate, name="rate"),
    path("track/<str:code>/cancel/", public.cancel, name="cancel"),
    path("work/", staff.queue, name="queue"),
    path("work/new/", staff.window, name="window"),
    path("work/<int:pk>/", staff.application, name="application"),
    path("work/<int:pk>/act/", staff.act, name="act"),
    path("work/<int:pk>/reveal/<str:field>/", staff.reveal, name="reveal"),
    path("door/", staff.door, name="door"),
    path("manage/", manage.services_list, name="manage"),
    path("manage/new/", manage.service_new, name="service_new"),
    path("manage/<int:pk>/edit/", manage.service_edit, name="service_edit"),
    path("manage/<int:pk>/open/", manage.service_open, name="service_open"),
]
