"""Pages of the sweeps app (included at the site root, namespace "sweeps")."""

from django.urls import path  # noqa: F401

app_name = "sweeps"
urlpatterns: list = []
