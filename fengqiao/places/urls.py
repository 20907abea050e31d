from django.urls import path

from fengqiao.places import views

app_name = "places"
urlpatterns = [
    path("regions/", views.region_list, name="regions"),
    path("regions/<str:code>/", views.region_detail, name="region"),
    path("buildings/<int:pk>/", views.building_detail, name="building"),
]
