from django.urls import include, path

app_name = "community"

# Groups and messages (views.py), broadcasts and alerts (notices/views.py) list their own.
urlpatterns = [
    path("", include("fengqiao.community.group_urls")),
    path("notices/", include("fengqiao.community.notices.urls")),
]
