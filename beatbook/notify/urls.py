"""Pages of the notify app (included at the site root, namespace "notify")."""

from django.urls import path

from beatbook.notify import live, views

app_name = "notify"
urlpatterns = [
    path("live/stream", live.stream, name="live-stream"),
    path("notify/", views.inbox, name="inbox"),
    path("notify/read", views.mark_read, name="mark-read"),
    path("notify/sw.js", views.service_worker, name="service-worker"),
    path("notify/push/subscribe", views.push_subscribe, name="push-subscribe"),
    path("notify/push/<int:pk>/delete", views.push_delete, name="push-delete"),
    path("notify/channels/", views.channel_list, name="channel-list"),
    path("notify/channels/new", views.channel_create, name="channel-create"),
    path("notify/channels/<int:pk>/edit", views.channel_edit, name="channel-edit"),
    path("notify/channels/<int:pk>/resume", views.channel_resume, name="channel-resume"),
    path("notify/channels/<int:pk>/test", views.channel_test, name="channel-test"),
    path("notify/channels/<int:pk>/delete", views.channel_delete, name="channel-delete"),
    path("notify/policy/<int:station_id>/", views.policy_edit, name="policy-edit"),
    path("notify/dead-letters/", views.dead_letters, name="dead-letters"),
    path("notify/dead-letters/retry", views.dead_letters_retry, name="dead-letters-retry"),
]
