from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.my_meetings, name="mine"),
    path("meetings/calendar/rotate/", views.calendar_rotate, name="calendar_rotate"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="feed"),
    path("projects/<int:pk>/meetings/", views.meeting_list, name="list"),
    path("projects/<int:pk>/meetings/new/", views.meeting_create, name="create"),
    path("projects/<int:pk>/decisions/", views.decision_log, name="decisions"),
    path("meetings/<int:pk>/", views.meeting_detail, name="detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("meetings/<int:pk>/invite.ics", views.meeting_ics, name="ics"),
    path("meetings/<int:pk>/agenda/", views.agenda_add, name="agenda_add"),
    path("agenda-items/<int:pk>/delete/", views.agenda_delete, name="agenda_delete"),
    path("meetings/<int:pk>/minutes/", views.minutes_edit, name="minutes"),
    path("meetings/<int:pk>/minutes/publish/", views.minutes_publish, name="publish"),
    path("meetings/<int:pk>/decisions/", views.decision_add, name="decision_add"),
    path("meetings/<int:pk>/action-items/", views.action_add, name="action_add"),
    path("action-items/<int:pk>/done/", views.action_done, name="action_done"),
    path("portal/projects/<int:pk>/meetings/", views.portal_list, name="portal_list"),
    path("portal/meetings/<int:pk>/", views.portal_detail, name="portal_detail"),
    path("portal/action-items/<int:pk>/done/", views.portal_action_done, name="portal_action_done"),
]
