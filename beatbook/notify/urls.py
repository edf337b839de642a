"""Pages of the notify app (included at the site root, namespace "notify")."""

from django.urls import path  # noqa: F401

app_name = "notify"
urlpatterns: list = []
