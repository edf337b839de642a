"""Pages of the notify app (included at the site root, namespace "notify")."""

from django.urls import path

from beatbook.notify import live

app_name = "notify"
urlpatterns = [
    path("live/stream", live.stream, name="live-stream"),
]
