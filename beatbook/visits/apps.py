from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "beatbook.visits"
    label = "visits"
    verbose_name = "Visits"
