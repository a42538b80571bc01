from django.apps import AppConfig


class HiveConfig(AppConfig):
    name = "hive"
    verbose_name = "Hive"
