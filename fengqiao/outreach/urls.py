"""The outreach pages under /outreach/: visit campaigns, anti-fraud work, building posters
and recognition. Each subject keeps its own URL list; they share one namespace."""

from fengqiao.outreach import fraud_urls, poster_urls, recognition_urls, visit_urls

app_name = "outreach"
urlpatterns = [
    *visit_urls.urlpatterns,
    *fraud_urls.urlpatterns,
    *poster_urls.urlpatterns,
    *recognition_urls.urlpatterns,
]
