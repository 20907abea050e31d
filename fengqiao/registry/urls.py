from django.urls import include, path

app_name = "registry"

# Pages (views.py) and bulk import/export (import_views.py) are listed in their own files.
urlpatterns = [
    path("", include("fengqiao.registry.page_urls")),
    path("import/", include("fengqiao.registry.import_urls")),
]
