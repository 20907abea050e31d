from django.urls import path

from fengqiao.community import moderation_views, setup_views, views

# Included by community/urls.py under the "community" namespace.
urlpatterns = [
    path("", views.group_list, name="groups"),
    path("new/", setup_views.group_new, name="group-new"),
    path("inbox/", views.inbox, name="inbox"),
    path("abuse/", moderation_views.abuse_queue, name="abuse"),
    path("abuse/<int:message_pk>/keep/", moderation_views.keep_message, name="abuse-keep"),
    path("unread/", views.unread_badge, name="unread"),
    path("join/<str:token>/", views.join, name="join"),
    path("g/<int:pk>/", views.group_detail, name="group"),
    path("g/<int:pk>/post/", views.post, name="post"),
    path("g/<int:pk>/messages/", views.poll, name="poll"),
    path("g/<int:pk>/read/", views.mark_read, name="read"),
    path("g/<int:pk>/members/", views.members, name="members"),
    path("g/<int:pk>/invite/", views.invite, name="invite"),
    path("g/<int:pk>/t/<int:message_pk>/", views.thread_detail, name="thread"),
    path("m/<int:message_pk>/", views.message_link, name="message"),
    path("m/<int:message_pk>/hide/", views.hide, name="hide"),
    path("m/<int:message_pk>/report/", views.report_abuse, name="report_abuse"),
    path("m/<int:message_pk>/case/", views.to_case, name="to_case"),
    path("photos/<int:photo_pk>/", views.photo, name="photo"),
]
