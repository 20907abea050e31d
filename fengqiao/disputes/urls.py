from django.urls import path

from fengqiao.disputes import views
from fengqiao.disputes.mediation import views as mediation_views

app_name = "disputes"
urlpatterns = [
    path("", views.case_list, name="cases"),
    path("board/", views.board, name="board"),
    path("watch/", views.watch_list, name="watch"),
    path("<str:reference>/", views.case_detail, name="case"),
    path("<str:reference>/act/<slug:action>/", views.case_act, name="act"),
    path(
        "<str:reference>/parties/<int:pk>/reveal/<slug:field>/",
        views.party_reveal,
        name="party_reveal",
    ),
    path("<str:reference>/mediation/<slug:step>/", views.mediation_step, name="mediation"),
    path(
        "<str:reference>/file.pdf", mediation_views.case_pdf, {"document": "file"}, name="file_pdf"
    ),
    path(
        "<str:reference>/agreement.pdf",
        mediation_views.case_pdf,
        {"document": "agreement"},
        name="agreement_pdf",
    ),
    path(
        "<str:reference>/intake.pdf",
        mediation_views.case_pdf,
        {"document": "intake"},
        name="intake_pdf",
    ),
]
