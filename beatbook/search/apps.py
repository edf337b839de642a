from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "beatbook.search"
    label = "search"
    verbose_name = "Search"
