"""Pages of the figures (统计分析): dashboards, drill-down, official statistics, evaluation,
flags and briefs. Each helper adds its own lines."""

from django.urls import path  # noqa: F401

from fengqiao.analytics import brief_views

app_name = "analytics"
urlpatterns: list = []

urlpatterns += [
    path("briefs/", brief_views.brief_list, name="briefs"),
    path("briefs/<int:pk>.pdf", brief_views.brief_file, {"fmt": "pdf"}, name="brief_pdf"),
    path("briefs/<int:pk>.xlsx", brief_views.brief_file, {"fmt": "xlsx"}, name="brief_xlsx"),
]

from fengqiao.analytics import official_views  # noqa: E402

urlpatterns += [
    path("official/", official_views.official_statistics, name="official"),
]

from fengqiao.analytics import dashboard_views  # noqa: E402

urlpatterns += [
    path("", dashboard_views.figures, name="dashboard"),
    path("cases/", dashboard_views.cases, name="cases"),
]

from fengqiao.analytics import evaluation_views, flag_views  # noqa: E402

urlpatterns += [
    path("evaluation/", evaluation_views.evaluation_page, name="evaluation"),
    path("flags/", flag_views.flag_list, name="flags"),
]
