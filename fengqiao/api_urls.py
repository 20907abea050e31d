from django.urls import path
from rest_framework.routers import DefaultRouter

from fengqiao.disputes import api as disputes_api
from fengqiao.intake import api as intake_api
from fengqiao.org import api as org_api
from fengqiao.places import api as places_api

router = DefaultRouter()
router.register("regions", places_api.RegionViewSet, basename="region")
router.register("buildings", places_api.BuildingViewSet, basename="building")
router.register("units", org_api.UnitViewSet, basename="unit")
router.register("beats", org_api.BeatViewSet, basename="beat")
router.register("people", org_api.PersonViewSet, basename="person")
router.register("assignments", org_api.AssignmentViewSet, basename="assignment")
router.register("reports", intake_api.ReportViewSet, basename="report")
router.register("cases", disputes_api.CaseViewSet, basename="case")

app_name = "api"
urlpatterns = [
    path("locate/", places_api.LocateView.as_view(), name="locate"),
    *router.urls,
]
