"""Soak the embedded default (`make demo`): run it for a long time under a loop of actions that
queue background work, kill the worker now and then, and check at the end that every queued
item was done.

    .venv/bin/python bench/soak_demo.py --minutes 120 --kill-every 20

It lays a fresh demo in a temporary VAR_DIR (SQLite, kombu's SQLAlchemy broker on SQLite),
starts `manage.py rundemo` on a free port with e-mail written to files, and every `--every`
seconds, over the real API: finance asks for an export (CSV and XLSX in turn), a commissioner
publishes a call-off whose deadline is two minutes away (beat must close it), and the DPS
administrator invites a user (an e-mail through the outbox). At the end it waits for the
queue to drain and prints what was queued, what was done, the worker restarts and the longest
wait. Exit status 1 if anything queued was not done.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PASSWORD = "Placements-Demo-2026"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Api:
    def __init__(self, base):
        self.base = base
        self.tokens = {}

    def call(self, user, method, path, body=None):
        if user not in self.tokens:
            self.tokens[user] = self._request("POST", "/api/v1/auth/token/",
                                              {"username": user, "password": PASSWORD})["token"]
        return self._request(method, path, body, token=self.tokens[user])

    def _request(self, method, path, body=None, token=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Token {token}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{method} {path}: {exc.code} {exc.read()[:300]!r}") from exc


def worker_pids(var_dir):
    """The demo's Celery worker processes (main and pool), found by their VAR_DIR."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"worker" in cmdline and f"VAR_DIR={var_dir}".encode() in environ:
            pids.append(int(proc.name))
    return pids


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=120)
    parser.add_argument("--every", type=float, default=30, help="seconds between rounds")
    parser.add_argument("--kill-every", type=float, default=20,
                        help="minutes between killing the worker (0: never)")
    parser.add_argument("--drain-minutes", type=float, default=10)
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="soak-"))
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": "", "REDIS_URL": "",
           "VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "dps.settings",
           "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
           "EMAIL_FILE_PATH": str(var_dir / "mail"), "SCHEDULE_TICK_SECONDS": "30"}
    for key in ("CELERY_TASK_ALWAYS_EAGER", "TESTING"):
        env.pop(key, None)
    manage = [PY, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "seed_demo"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    port = free_port()
    log = open(var_dir / "rundemo.log", "w")  # noqa: SIM115 - kept open for the child
    demo = subprocess.Popen([*manage, "rundemo", f"127.0.0.1:{port}"], env=env, cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    api = Api(f"http://127.0.0.1:{port}")
    print(f"soak: demo in {var_dir}, port {port}, {args.minutes} min", flush=True)
    for _ in range(60):
        try:
            urllib.request.urlopen(api.base + "/healthz", timeout=5)  # noqa: S310
            break
        except OSError:
            time.sleep(1)

    # Django is set up here only to read the results from the demo's own database.
    os.environ.update({k: v for k, v in env.items() if isinstance(v, str)})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from calloffs.models import CallOff
    from dps.models import OutboxMessage
    from reports.models import ExportJob

    counts = {"exports": 0, "calloffs": 0, "invitations": 0, "errors": 0, "kills": 0}
    started = time.monotonic()
    last_kill = started
    round_no = 0
    while time.monotonic() - started < args.minutes * 60:
        round_no += 1
        today = date.today()
        try:
            api.call("finance", "POST", "/api/v1/reports/exports/", {
                "kind": "spend", "format": "xlsx" if round_no % 2 else "csv",
                "from": str(today - timedelta(days=365)), "to": str(today),
                "group_by": "provider"})
            counts["exports"] += 1
            referral = api.call("commissioner", "POST", "/api/v1/referrals/", {
                "child": {"first_name": "Soak", "last_name": f"Child{round_no}",
                          "date_of_birth": "2013-05-01", "case_reference": f"SOAK{round_no:05d}",
                          "postcode": "RH12 1ST"},
                "lot": "fostering", "needs": [], "outcomes": [],
                "summary": "A settled foster home near school is needed.",
                "placement_start": str(today + timedelta(days=14)), "duration_weeks": 26,
                "location_area": "West Sussex"})
            deadline = datetime.now(UTC) + timedelta(minutes=2)
            api.call("commissioner", "POST", f"/api/v1/referrals/{referral['id']}/publish/", {
                "deadline": deadline.isoformat(), "short_deadline_reason": "Soak test"})
            counts["calloffs"] += 1
            api.call("admin", "POST", "/api/v1/users/", {
                "username": f"soak.user{round_no}", "email": f"soak{round_no}@example.org",
                "organisation": 1, "roles": ["commissioner"],
                "first_name": "Soak", "last_name": "User"})
            counts["invitations"] += 1
        except RuntimeError as exc:
            counts["errors"] += 1
            print(f"soak: round {round_no}: {exc}", flush=True)
        if args.kill_every and time.monotonic() - last_kill > args.kill_every * 60:
            for pid in worker_pids(var_dir):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            counts["kills"] += 1
            last_kill = time.monotonic()
            print(f"soak: killed the worker ({counts['kills']})", flush=True)
        if round_no % 20 == 0:
            print(f"soak: {(time.monotonic() - started) / 60:.0f} min, {counts}", flush=True)
        time.sleep(args.every)

    # Drain: every export done, every call-off past its deadline closed, the outbox empty.
    deadline = time.monotonic() + args.drain_minutes * 60
    while time.monotonic() < deadline:
        now = datetime.now(UTC)
        waiting = (ExportJob.objects.exclude(status=ExportJob.Status.DONE).count()
                   + CallOff.objects.filter(status=CallOff.Status.OPEN, deadline__lt=now).count()
                   + OutboxMessage.objects.filter(sent_at__isnull=True).count())
        if not waiting and time.monotonic() > started + args.minutes * 60 + 150:
            break
        time.sleep(10)
    os.killpg(demo.pid, signal.SIGTERM)
    try:
        demo.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(demo.pid, signal.SIGKILL)

    jobs = ExportJob.objects.all()
    now = datetime.now(UTC)
    calloffs = CallOff.objects.all()
    closed = calloffs.exclude(status=CallOff.Status.OPEN).count()
    due = calloffs.filter(deadline__lt=now).count()
    lags = [(j.finished_at - j.created_at).total_seconds() for j in jobs if j.finished_at]
    mails = len(list((var_dir / "mail").glob("*"))) if (var_dir / "mail").exists() else 0
    restarts_log = var_dir / "rundemo-restarts.log"
    restarts = restarts_log.read_text().count("\n") if restarts_log.exists() else 0
    pending_outbox = OutboxMessage.objects.filter(sent_at__isnull=True).count()
    result = {
        "minutes": args.minutes, "rounds": round_no, "request_errors": counts["errors"],
        "exports_queued": jobs.count(),
        "exports_done": jobs.filter(status=ExportJob.Status.DONE).count(),
        "export_wait_max_s": round(max(lags), 1) if lags else None,
        "calloffs_due": due, "calloffs_closed": closed,
        "outbox_messages": OutboxMessage.objects.count(), "outbox_pending": pending_outbox,
        "invitations": counts["invitations"], "mail_files": mails,
        "worker_kills": counts["kills"], "worker_restarts": restarts,
        "worker_crashes_logged": (var_dir / "rundemo.log").read_text().count(
            "Unrecoverable error"),
    }
    print("soak result: " + json.dumps(result), flush=True)
    ok = (result["exports_done"] == result["exports_queued"] and closed >= due
          and pending_outbox == 0 and not counts["errors"])
    print(f"soak: {'every queued item done' if ok else 'NOT everything was done'}; "
          f"logs in {var_dir}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
