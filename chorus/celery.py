import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chorus.settings.base")

# Setting DJANGO_SETTINGS_MODULE before creating the app makes Celery's Django fixup install
# DjangoTask as the task class, which gives every task `delay_on_commit`.
app = Celery("chorus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
