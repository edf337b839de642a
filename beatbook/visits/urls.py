"""Pages of the visits app (included at the site root, namespace "visits")."""

from django.urls import path  # noqa: F401

app_name = "visits"
urlpatterns: list = []
