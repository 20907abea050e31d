"""Outreach pages: the hub at /outreach/, visit campaigns with their coverage, and
我的走访任务 with the visit form on the phone (included by outreach/urls.py)."""

from django.urls import path

from fengqiao.outreach import visit_views

urlpatterns = [
    path("", visit_views.index, name="index"),
    path("campaigns/", visit_views.campaigns, name="campaigns"),
    path("campaigns/new/", visit_views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", visit_views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/edit/", visit_views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/unreached/", visit_views.unreached, name="unreached"),
    path("visits/", visit_views.mine, name="visits"),
    path("visits/<int:pk>/", visit_views.visit, name="visit"),
    path("visits/<int:pk>/assign/", visit_views.assign, name="visit_assign"),
]
