#!/usr/bin/env bash
# Scale out on one machine (issue 19, docs/operations.md "Scale out"): two gunicorn processes,
# two Celery workers and one beat against the same PostgreSQL and Redis. Checks /healthz on both
# web processes, queues 20 outbox messages and waits until the workers have drained them, then
# stops everything it started. Needs DATABASE_URL (PostgreSQL, migrated) and REDIS_URL.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale REDIS_URL=redis://127.0.0.1:6379/7 \
#       bench/scale_out.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database}" "${REDIS_URL:?set REDIS_URL}"
export DEBUG=0 SECURE_SSL_REDIRECT=0 ALLOWED_HOSTS=127.0.0.1 CELERY_TASK_ALWAYS_EAGER=0
export SECRET_KEY="${SECRET_KEY:-scale-out-check}"
export FIELD_ENCRYPTION_KEY="${FIELD_ENCRYPTION_KEY:-ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LWZvci11c2U=}"
export CELERY_QUEUE="${CELERY_QUEUE:-scale-out-$$}"  # its own queue: no other worker takes it
LOGS="$(mktemp -d /tmp/scale-out.XXXXXX)"
PIDS=()
stop() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait || true; }
trap stop EXIT
BIN=.venv/bin
for port in 8101 8102; do
  $BIN/gunicorn dps.wsgi --workers 1 --bind 127.0.0.1:$port >"$LOGS/web-$port.log" 2>&1 &
  PIDS+=($!)
done
for name in one two; do
  $BIN/celery -A dps worker -n "$name@%h" -Q "$CELERY_QUEUE" --concurrency 1 -l info \
    --without-gossip --without-mingle >"$LOGS/worker-$name.log" 2>&1 &
  PIDS+=($!)
done
$BIN/celery -A dps beat -l info -s "$LOGS/schedule" >"$LOGS/beat.log" 2>&1 &   # beat: once
PIDS+=($!)
for port in 8101 8102; do
  for _ in $(seq 120); do curl -fsS "http://127.0.0.1:$port/healthz" >"$LOGS/health-$port" 2>/dev/null && break; sleep 1; done
  echo "web :$port /healthz $(cat "$LOGS/health-$port" 2>/dev/null || echo FAILED)"
  grep -q '"status": *"ok"' "$LOGS/health-$port"
done
$BIN/python manage.py shell -c '
import time
from dps import outbox
from dps.models import OutboxMessage
from dps.tasks import drain_outbox
start = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
for _ in range(20):
    outbox.enqueue(drain_outbox)
mine = OutboxMessage.objects.filter(pk__gt=start, task="dps.tasks.drain_outbox")
for _ in range(600):
    if not mine.filter(done_at__isnull=True).exists():
        break
    time.sleep(0.5)
left = mine.filter(done_at__isnull=True).count()
attempts = sorted(set(mine.values_list("attempts", flat=True)))
print(f"outbox: {mine.count()} queued, {left} not done, attempts per message {attempts}")
raise SystemExit(1 if left else 0)
'
for name in one two; do
  echo "worker $name: $(grep -c 'succeeded' "$LOGS/worker-$name.log") tasks succeeded"
done
echo "logs in $LOGS"
