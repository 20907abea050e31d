from django.urls import path
from rest_framework.routers import DefaultRouter

from fengqiao.analytics import api as analytics_api
from fengqiao.analytics import services_api as analytics_services_api
from fengqiao.dispatch import api as dispatch_api
from fengqiao.disputes import api as disputes_api
from fengqiao.intake import api as intake_api
from fengqiao.org import api as org_api
from fengqiao.outreach import api as outreach_api
from fengqiao.outreach import fraud_api, recognition_api
from fengqiao.places import api as places_api
from fengqiao.registry import api as registry_api
from fengqiao.registry import edit_api as registry_edit_api
from fengqiao.services import api as services_api

router = DefaultRouter()
router.register("regions", places_api.RegionViewSet, basename="region")
router.register("buildings", places_api.BuildingViewSet, basename="building")
router.register("units", org_api.UnitViewSet, basename="unit")
router.register("beats", org_api.BeatViewSet, basename="beat")
router.register("people", org_api.PersonViewSet, basename="person")
router.register("assignments", org_api.AssignmentViewSet, basename="assignment")
# The registry's viewsets with their writes (registry.edit_api over registry.api's reads).
router.register("addresses", registry_edit_api.AddressViewSet, basename="address")
router.register("houses", registry_edit_api.HouseViewSet, basename="house")
router.register("residents", registry_edit_api.ResidentViewSet, basename="resident")
router.register("establishments", registry_edit_api.EstablishmentViewSet, basename="establishment")
router.register("registry-changes", registry_edit_api.ChangeViewSet, basename="registry-change")
router.register("reports", intake_api.ReportViewSet, basename="report")
router.register("cases", disputes_api.CaseViewSet, basename="case")
router.register("incidents", dispatch_api.IncidentViewSet, basename="incident")
# "units" are the police units (org); the units on duty that answer incidents are these.
router.register("duty-units", dispatch_api.DutyUnitViewSet, basename="duty-unit")
router.register("alarms", dispatch_api.AlarmViewSet, basename="alarm")
router.register("campaigns", outreach_api.CampaignViewSet, basename="campaign")
router.register("services", services_api.ServiceCatalogueViewSet, basename="service")
router.register(
    "service-applications", services_api.ApplicationViewSet, basename="service-application"
)

app_name = "api"
urlpatterns = [
    path("locate/", places_api.LocateView.as_view(), name="locate"),
    path("address-match/", registry_api.AddressMatchView.as_view(), name="address-match"),
    path("indicators/", analytics_api.IndicatorsView.as_view(), name="indicators"),
    path(
        "indicators/response/",
        analytics_api.ResponseTimesView.as_view(),
        name="indicators-response",
    ),
    path(
        "indicators/services/",
        analytics_services_api.ServiceFiguresView.as_view(),
        name="indicators-services",
    ),
    path(
        "indicators/<slug:code>/cases/",
        analytics_api.IndicatorCasesView.as_view(),
        name="indicator-cases",
    ),
    path("fraud/events/", fraud_api.FraudEventsView.as_view(), name="fraud-events"),
    path("fraud/warnings/", fraud_api.FraudWarningsView.as_view(), name="fraud-warnings"),
    path("fraud/figures/", fraud_api.FraudFiguresView.as_view(), name="fraud-figures"),
    path("recognition/", recognition_api.RecognitionView.as_view(), name="recognition"),
    *router.urls,
]
