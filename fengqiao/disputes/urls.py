from django.urls import path

from fengqiao.disputes import views

app_name = "disputes"
urlpatterns = [
    path("", views.case_list, name="cases"),
    path("board/", views.board, name="board"),
    path("<str:reference>/", views.case_detail, name="case"),
    path("<str:reference>/act/<slug:action>/", views.case_act, name="act"),
]
