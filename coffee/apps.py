from django.apps import AppConfig


class CoffeeConfig(AppConfig):
    name = "coffee"
    verbose_name = "Coffee dates"
