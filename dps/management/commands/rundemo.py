"""Run the whole system for the demo: web server, Celery worker and beat, in one command.

Uses whatever the settings say (the embedded defaults: SQLite and the filesystem broker).
Stops the worker and beat when the web server stops (Ctrl-C).
"""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the site and API with a Celery worker and beat alongside."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        for folder in ("queue", "processed", "control"):
            (settings.BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
        celery = [sys.executable, "-m", "celery", "-A", "dps"]
        children = [
            subprocess.Popen([*celery, "worker", "-l", "info", "--concurrency", "1",
                              "-Q", settings.CELERY_TASK_DEFAULT_QUEUE], env=os.environ.copy()),
            subprocess.Popen([*celery, "beat", "-l", "info"], env=os.environ.copy()),
        ]
        self.stdout.write(f"Worker and beat started; serving on http://{addrport}/")
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            for child in children:
                child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
