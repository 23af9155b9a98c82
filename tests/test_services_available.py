"""Connectivity checks for the real services the production shape uses."""

import os

import pytest
from django.db import connection


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_answers():
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        assert "PostgreSQL" in cursor.fetchone()[0]


@pytest.mark.redis
def test_redis_answers():
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    assert client.ping() is True
