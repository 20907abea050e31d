from django.urls import path

from fengqiao.disputes import (
    handoff_views,
    import_views,
    party_views,
    policy_views,
    routing_views,
    views,
)
from fengqiao.disputes.mediation import views as mediation_views

app_name = "disputes"
urlpatterns = [
    path("", views.case_list, name="cases"),
    path("board/", views.board, name="board"),
    path("watch/", views.watch_list, name="watch"),
    path("policy/<str:code>/", policy_views.county_policy, name="county_policy"),
    # Hand-offs as the body that answers them sees them, and the county's typical cases.
    path("handoffs/", handoff_views.agency_inbox, name="agency_inbox"),
    path("handoffs/<int:pk>/", handoff_views.agency_handoff, name="agency_handoff"),
    path("typical/", handoff_views.typical_library, name="typical_library"),
    path("typical/<int:pk>/", handoff_views.typical_detail, name="typical"),
    # Cases brought in from a people's-mediation system's export (disputes.imports).
    path("import/", import_views.case_import, name="case_import"),
    path("import/template/", import_views.case_import_template, name="case_import_template"),
    path("import/<int:pk>/", import_views.case_import_job, name="case_import_job"),
    path("import/<int:pk>/run/", import_views.case_import_run, name="case_import_run"),
    path("<str:reference>/", views.case_detail, name="case"),
    path("<str:reference>/act/<slug:action>/", views.case_act, name="act"),
    path("<str:reference>/reassign/", routing_views.reassign, name="reassign"),
    path(
        "<str:reference>/handoffs/new/<slug:kind>/",
        handoff_views.handoff_new,
        name="handoff_new",
    ),
    path(
        "<str:reference>/handoffs/<int:pk>/<slug:action>/",
        handoff_views.handoff_act,
        name="handoff_act",
    ),
    path("<str:reference>/typical/", handoff_views.typical_choose, name="typical_choose"),
    path(
        "<str:reference>/parties/<int:pk>/reveal/<slug:field>/",
        views.party_reveal,
        name="party_reveal",
    ),
    path("<str:reference>/mediation/<slug:step>/", views.mediation_step, name="mediation"),
    path("<str:reference>/parties/add/", party_views.party_add, name="party_add"),
    path("<str:reference>/parties/<int:pk>/edit/", party_views.party_edit, name="party_edit"),
    path("<str:reference>/parties/<int:pk>/remove/", party_views.party_remove, name="party_remove"),
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
