from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "beatbook.exchange"
    label = "exchange"
    verbose_name = "Exchange"
