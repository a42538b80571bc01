"""The Celery app. Configuration lives in Django settings under the CELERY_ prefix
(serialisation, acks_late, time limits and the one beat schedule: see hive/settings/base.py).

    celery -A hive worker    # N of these
    celery -A hive beat      # exactly one
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hive.settings.local")

app = Celery("hive")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
