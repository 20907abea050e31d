from django.urls import path

from fengqiao.org import contact_views, views

app_name = "org"
urlpatterns = [
    path("area/", views.area, name="area"),
    path("units/", views.unit_list, name="units"),
    path("units/<str:code>/", views.unit_detail, name="unit"),
    path("people/", views.person_list, name="people"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("me/contact/", contact_views.my_contact, name="my_contact"),
    path(
        "people/<int:pk>/public-contact/clear/",
        contact_views.clear_contact,
        name="clear_contact",
    ),
]
