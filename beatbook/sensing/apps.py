from django.apps import AppConfig


class SensingConfig(AppConfig):
    name = "beatbook.sensing"
    label = "sensing"
    verbose_name = "Sensing"
