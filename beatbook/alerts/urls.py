"""Pages of the alerts app (included at the site root, namespace "alerts")."""

from django.urls import path  # noqa: F401

app_name = "alerts"
urlpatterns: list = []
