from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "beatbook.accounts"
    label = "accounts"
    verbose_name = "Accounts"
