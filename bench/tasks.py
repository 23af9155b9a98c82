"""The no-op task: the Celery round-trip limit (broker, worker, one Redis INCR to be counted)."""

import functools

import redis
from celery import shared_task
from django.conf import settings


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


@shared_task(acks_late=True)
def noop(key: str) -> None:
    _redis().incr(key)
