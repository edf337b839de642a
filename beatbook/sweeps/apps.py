from django.apps import AppConfig


class SweepsConfig(AppConfig):
    name = "beatbook.sweeps"
    label = "sweeps"
    verbose_name = "Sweeps"
