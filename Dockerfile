# One image for web, worker and beat (docker-compose.yml).
FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock pyproject.toml ./
RUN pip install -r requirements.lock
COPY . .
RUN pip install --no-deps -e . \
 && DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --create-home chorus && mkdir -p /app/var && chown -R chorus /app/var
USER chorus
EXPOSE 8000
CMD ["gunicorn", "chorus.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
