"""Bulk import and export of the registry, under /registry/import/ (see import_views)."""

from django.urls import path

from fengqiao.registry import import_views

urlpatterns = [
    path("", import_views.import_page, name="import"),
    path("template/<str:kind>/", import_views.import_template, name="import-template"),
    path("<int:pk>/", import_views.import_job, name="import-job"),
    path("<int:pk>/run/", import_views.import_run, name="import-run"),
    path("<int:pk>/progress/", import_views.import_progress, name="import-progress"),
    path("export/<str:kind>/", import_views.export, name="export"),
    path("exchange/", import_views.exchange_export, name="exchange"),
]
