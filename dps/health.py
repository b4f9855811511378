import os

from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """Liveness and readiness: 200 when the database answers, 503 when it does not."""
    body = {"status": "ok", "database": "ok",
            "queue": "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure to reach the database is "unavailable"
        body.update(status="unavailable", database="unavailable")
        return JsonResponse(body, status=503)
    if not settings.CELERY_TASK_ALWAYS_EAGER and not settings.REDIS_URL:
        # The embedded broker: an SQLite file in this folder, which must be writable.
        folder = settings.BROKER_DIR
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            body["queue"] = "unavailable"
        else:
            if not os.access(folder, os.W_OK):
                body["queue"] = "unavailable"
    if not settings.CELERY_TASK_ALWAYS_EAGER and settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
        except Exception:  # noqa: BLE001
            body["queue"] = "unavailable"
    return JsonResponse(body)
