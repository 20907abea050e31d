from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from fengqiao import offline
from fengqiao.home import views as home_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    # The logout answer tells the browser to drop its offline pages and queue (offline.py).
    path("accounts/logout/", offline.LogoutView.as_view(), name="logout"),
    path("sw.js", offline.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("offline/", offline.offline_page, name="offline"),
    path("home/", include("fengqiao.home.urls")),
    path("org/", include("fengqiao.org.urls")),
    path("places/", include("fengqiao.org.place_urls")),
    path("registry/", include("fengqiao.registry.urls")),
    path("cases/", include("fengqiao.disputes.urls")),
    path("report/", include("fengqiao.intake.urls")),
    path("community/", include("fengqiao.community.urls")),
    path("figures/", include("fengqiao.analytics.urls")),
    path("services/", include("fengqiao.services.urls")),
    path("outreach/", include("fengqiao.outreach.urls")),
    # The QR code on a building's entrance: who looks after it, the alarm and the report form.
    path("b/", include("fengqiao.outreach.public_urls")),
    # /alarm/ and /kiosk/ for residents, /dispatch/ for the board, phones and patrols.
    path("", include("fengqiao.dispatch.urls")),
    path("open311/v2/", include("fengqiao.intake.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("fengqiao.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        # Our template starts Swagger UI from a static file: the CSP refuses inline script.
        SpectacularSwaggerView.as_view(url_name="schema", template_name="api_docs.html"),
        name="api-docs",
    ),
]

handler404 = "fengqiao.errors.not_found"
