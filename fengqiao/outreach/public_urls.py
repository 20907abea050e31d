"""The public page of who looks after a building, reached by the QR code on its entrance:
/b/<building code>/."""

from django.urls import path

from fengqiao.outreach import building_views

app_name = "building"
urlpatterns = [
    path("<str:code>/", building_views.page, name="page"),
]
