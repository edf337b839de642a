from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "beatbook.registry"
    label = "registry"
    verbose_name = "Registry"
