"""A real clamd for the tests: its own config, a free TCP port on 127.0.0.1, and a database
directory holding only a signature file written here (the EICAR string's MD5): no freshclam,
nothing downloaded."""

import hashlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.documents.files import EICAR


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"zPING\0")
            return sock.recv(16).startswith(b"PONG")
    except OSError:
        return False


class Clamd:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="dps-clamd-"))
        self.port = _free_port()
        (self.dir / "db").mkdir()
        (self.dir / "db" / "tests.hdb").write_text(
            f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Eicar-Test-Signature\n")  # noqa: S324
        (self.dir / "clamd.conf").write_text("\n".join([
            f"DatabaseDirectory {self.dir / 'db'}", f"TCPSocket {self.port}",
            "TCPAddr 127.0.0.1", "Foreground yes", "User root",
            "StreamMaxLength 30M", f"LogFile {self.dir / 'clamd.log'}",
            f"PidFile {self.dir / 'clamd.pid'}", f"TemporaryDirectory {self.dir}",
        ]) + "\n")
        binary = shutil.which("clamd") or "/usr/sbin/clamd"
        self.process = subprocess.Popen(  # noqa: S603 - our own binary and config
            [binary, "-c", str(self.dir / "clamd.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not _ping(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.dir / "clamd.log")
                raise RuntimeError("clamd did not start: "
                                   + (log.read_text()[-2000:] if log.exists() else "no log"))
            time.sleep(0.2)
        self.url = f"tcp://127.0.0.1:{self.port}"

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
