from django.urls import path

from fengqiao.registry import edit_views, record_views, views

# The police's pages for addresses, houses, units, employees and stays (record_views.PAGES).
RECORD_PAGES = [
    ("addresses/new/", "address_new"),
    ("addresses/<int:pk>/houses/new/", "house_new"),
    ("addresses/<int:pk>/units/new/", "unit_new"),
    ("addresses/<int:pk>/retire/", "address_retire"),
    ("houses/<int:pk>/edit/", "house_edit"),
    ("houses/<int:pk>/end/", "house_end"),
    ("units/<int:pk>/edit/", "unit_edit"),
    ("units/<int:pk>/close/", "unit_close"),
    ("units/<int:pk>/employees/new/", "employee_new"),
    ("employments/<int:pk>/end/", "employment_end"),
    ("residents/<int:pk>/move/", "resident_move"),
    ("stays/<int:pk>/end/", "stay_end"),
]

urlpatterns = [
    path("", views.search, name="search"),
    path("residents/new/", edit_views.resident_new, name="resident_new"),
    path("residents/<int:pk>/", views.resident_detail, name="resident"),
    path("residents/<int:pk>/edit/", edit_views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/end/", edit_views.resident_end, name="resident_end"),
    path("residents/<int:pk>/reveal/<slug:field>/", views.resident_reveal, name="resident_reveal"),
    path("residents/<int:pk>/enrol/", views.resident_enrol, name="resident_enrol"),
    path(
        "residents/<int:pk>/merge/<int:duplicate_pk>/",
        views.resident_merge,
        name="resident_merge",
    ),
    path("addresses/<int:pk>/", views.address_detail, name="address"),
    path("addresses/<int:pk>/verify/", views.address_verify, name="address_verify"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("care/", views.care_list, name="care_list"),
    path("care/<int:pk>/", views.care_detail, name="care"),
    path("tenants/", views.tenant_queue, name="tenants"),
    path("tenants/new/", views.tenant_new, name="tenant_new"),
    path("tenants/<int:pk>/reveal/<slug:field>/", views.tenant_reveal, name="tenant_reveal"),
    path("tenants/<int:pk>/<slug:action>/", views.tenant_review, name="tenant_review"),
    path("changes/", edit_views.change_queue, name="changes"),
    path("changes/<int:pk>/<slug:action>/", edit_views.change_review, name="change_review"),
    path("counts/", views.counts, name="counts"),
    *(
        path(route, record_views.record_page, {"page": page}, name=page)
        for route, page in RECORD_PAGES
    ),
]
