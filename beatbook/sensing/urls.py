"""Pages of the sensing app (included at the site root, namespace "sensing")."""

from django.urls import path  # noqa: F401

app_name = "sensing"
urlpatterns: list = []
