"""Pages of the figures (统计分析): dashboards, drill-down, official statistics, evaluation,
flags and briefs. Each helper adds its own lines."""

from django.urls import path  # noqa: F401

app_name = "analytics"
urlpatterns: list = []
