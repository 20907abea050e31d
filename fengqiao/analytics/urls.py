"""Pages of the figures (统计分析): dashboards, drill-down, official statistics, evaluation,
flags and briefs."""

from django.urls import path

from fengqiao.analytics import (
    brief_views,
    dashboard_views,
    evaluation_views,
    flag_views,
    official_views,
    response_views,
    services_views,
)

app_name = "analytics"
urlpatterns = [
    path("", dashboard_views.figures, name="dashboard"),
    path("cases/", dashboard_views.cases, name="cases"),
    path("official/", official_views.official_statistics, name="official"),
    path("response/", response_views.response_times, name="response"),
    path("services/", services_views.service_figures, name="services"),
    path("evaluation/", evaluation_views.evaluation_page, name="evaluation"),
    path("flags/", flag_views.flag_list, name="flags"),
    path("briefs/", brief_views.brief_list, name="briefs"),
    path("briefs/<int:pk>.pdf", brief_views.brief_file, {"fmt": "pdf"}, name="brief_pdf"),
    path("briefs/<int:pk>.xlsx", brief_views.brief_file, {"fmt": "xlsx"}, name="brief_xlsx"),
]
