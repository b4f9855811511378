# syntax=docker/dockerfile:1
# Production image: one image for web (gunicorn), worker and beat (celery); docker-compose.yml
# chooses the command. Static files are collected at build time and served by WhiteNoise.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=dps.settings \
    VAR_DIR=/app/var \
    WEB_CONCURRENCY=3

# WeasyPrint's libraries (Pango, HarfBuzz subsetting: half the render time) and a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 dps \
    && useradd --system --uid 10001 --gid dps --home-dir /app --no-create-home dps

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. The project itself has no
# installable packages (pyproject: packages = []); its code runs from /app.
COPY pyproject.toml constraints.txt README.md* ./
RUN pip install -c constraints.txt ".[s3]"

COPY . .

# Collect (and hash, for the manifest storage) the static files. The key only satisfies the
# settings for this one command; it is not kept in the image's environment.
RUN SECRET_KEY=collectstatic-only FIELD_ENCRYPTION_KEY=Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLXJlYWwta2U= DEBUG=0 python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media \
    && chown -R dps:dps /app/var

USER dps
EXPOSE 8000

# Workers from WEB_CONCURRENCY (gunicorn reads it); logs to stdout/stderr.
CMD ["gunicorn", "dps.wsgi:application", "--bind", "0.0.0.0:8000", "--timeout", "60", \
     "--access-logfile", "-", "--error-logfile", "-"]
