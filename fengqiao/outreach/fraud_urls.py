"""Anti-fraud pages (反诈宣传与预警劝阻) under /outreach/fraud/: the home page with this
month's figures, the figures per area and month, events and warnings."""

from django.urls import path

from fengqiao.outreach import fraud_views

urlpatterns = [
    path("fraud/", fraud_views.home, name="fraud_home"),
    path("fraud/figures/", fraud_views.figures, name="fraud_figures"),
    path("fraud/events/", fraud_views.events, name="fraud_events"),
    path("fraud/events/new/", fraud_views.event_new, name="fraud_event_new"),
    path("fraud/events/<int:pk>/", fraud_views.event_detail, name="fraud_event"),
    path("fraud/warnings/", fraud_views.warnings, name="fraud_warnings"),
    path("fraud/warnings/new/", fraud_views.warning_new, name="fraud_warning_new"),
    path("fraud/warnings/<int:pk>/", fraud_views.warning_detail, name="fraud_warning"),
    path("fraud/warnings/<int:pk>/phone/", fraud_views.warning_phone, name="fraud_warning_phone"),
]
