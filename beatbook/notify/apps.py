from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "beatbook.notify"
    label = "notify"
    verbose_name = "Notify"
