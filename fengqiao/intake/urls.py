from django.urls import path

from fengqiao.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.report, name="report"),
    path("places/", views.place_options, name="places"),
    path("near/", views.grid_choice, name="grid_choice"),
    path("map/", views.report_map, name="map"),
    path("suggest/", views.suggest_kinds, name="suggest_kinds"),
    path("thanks/<str:code>/", views.thanks, name="thanks"),
    path("status/", views.status_lookup, name="status_lookup"),
    path("status/<str:code>/", views.status, name="status"),
    path("new/", views.staff_new, name="new"),
    path("new/related/", views.staff_related, name="related"),
    path("new/suggest/", views.staff_suggest, name="suggest"),
    path("new/map/", views.staff_map, name="staff_map"),
    path("r/<str:code>/", views.staff_detail, name="detail"),
    path("r/<str:code>/reply/", views.staff_reply, name="reply"),
    path("r/<str:code>/duplicate/", views.staff_mark_duplicate, name="mark_duplicate"),
    path("r/<str:code>/reveal/<slug:field>/", views.staff_reveal, name="reveal"),
    path("r/<str:code>/photos/<int:pk>/", views.staff_photo, name="photo"),
]
