"""Pages of the search app (included at the site root, namespace "search")."""

from django.urls import path  # noqa: F401

app_name = "search"
urlpatterns: list = []
