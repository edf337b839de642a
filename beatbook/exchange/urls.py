"""Pages of the exchange app (included at the site root, namespace "exchange")."""

from django.urls import path  # noqa: F401

app_name = "exchange"
urlpatterns: list = []
