"""Recognition pages (积分榜 and 表彰), included by outreach/urls.py."""

from django.urls import path

from fengqiao.outreach import recognition_views

urlpatterns = [
    path("recognition/", recognition_views.board, name="recognition"),
    path(
        "recognition/<int:community_pk>/commend/",
        recognition_views.commend,
        name="recognition_commend",
    ),
    path(
        "recognition/people/<int:pk>/", recognition_views.person_detail, name="recognition_person"
    ),
]
