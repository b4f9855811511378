"""Run the whole system for the demo: web server, Celery worker and beat, in one command.

Uses whatever the settings say (the embedded defaults: SQLite and kombu's SQLAlchemy broker on
SQLite). A worker or beat that dies is started again (a demo left running for hours must keep
doing its background work); each restart is logged and counted in var/rundemo-restarts.log.
Stops the worker and beat when the web server stops (Ctrl-C).
"""

import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone


class Supervisor:
    """Keeps child processes running: one that exits is started again, with a growing pause
    (1 s doubling to 60 s) if it keeps dying at once, so a broken set-up does not spin."""

    def __init__(self, commands, log_path, out):
        self.commands = commands
        self.log_path = log_path
        self.out = out
        self.children = {}
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self):
        for name in self.commands:
            self._spawn(name)
        self._thread.start()

    def _spawn(self, name):
        self.children[name] = (subprocess.Popen(self.commands[name], env=os.environ.copy()),
                               time.monotonic())

    def _watch(self):
        pauses = dict.fromkeys(self.commands, 1.0)
        while not self._stopping.wait(1.0):
            for name, (child, started) in list(self.children.items()):
                code = child.poll()
                if code is None or self._stopping.is_set():
                    continue
                # It ran a while before dying: not a crash loop, start again promptly.
                pauses[name] = 1.0 if time.monotonic() - started > 60 else min(
                    pauses[name] * 2, 60.0)
                self.restarts += 1
                line = (f"{timezone.now().isoformat()} {name} exited with {code}; "
                        f"restart {self.restarts} in {pauses[name]:.0f} s")
                self.out.write(f"rundemo: {line}")
                with open(self.log_path, "a", encoding="utf-8") as log:
                    log.write(line + "\n")
                if self._stopping.wait(pauses[name]):
                    return
                self._spawn(name)

    def stop(self):
        self._stopping.set()
        children = [child for child, _ in self.children.values()]
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


class Command(BaseCommand):
    help = "Serve the site and API with a Celery worker and beat alongside, kept running."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        settings.BROKER_DIR.mkdir(parents=True, exist_ok=True)
        celery = [sys.executable, "-m", "celery", "-A", "dps"]
        supervisor = Supervisor(
            {"worker": [*celery, "worker", "-l", "info", "--concurrency", "1",
                        "-Q", settings.CELERY_TASK_DEFAULT_QUEUE],
             "beat": [*celery, "beat", "-l", "info"]},
            log_path=settings.VAR_DIR / "rundemo-restarts.log", out=self.stdout)
        supervisor.start()
        self.stdout.write(f"Worker and beat started; serving on http://{addrport}/")
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            supervisor.stop()
