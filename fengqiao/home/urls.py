"""The home page's helpers under /home/ (the home page itself is the site's root, ``home``)."""

from django.urls import path

from fengqiao.home import views

app_name = "home"
urlpatterns = [
    path("building/", views.find_building, name="find_building"),
]
