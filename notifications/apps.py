from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Each app registers the kinds it sends in its own notifications.py. Importing
        # them here, once every app is loaded, registers them in every process that sets
        # Django up (web, Celery workers, tests, management commands), in INSTALLED_APPS
        # order: the order of the settings page.
        autodiscover_modules("notifications")
