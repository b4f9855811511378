"""Malware scanning through ClamAV's daemon, clamd, with its INSTREAM protocol (a small client
of our own: ADR 0005, 0016). `CLAMAV_URL` names it: `tcp://host:port` or `unix:///path`.

Unset (the embedded demo), files are not scanned and the pages say so. Set, every upload is
streamed to clamd before it is stored; a daemon that cannot be reached, times out or answers
something unexpected refuses the upload (503 `scanner_unavailable`): never let through silently.
"""

import socket
import struct
from urllib.parse import urlparse

from django.conf import settings

from dps.errors import DomainError, RuleViolation

CHUNK = 64 * 1024


class ScannerUnavailable(DomainError):
    status = 503
    code = "scanner_unavailable"
    default_detail = ("The malware scanner cannot be reached, so the file was not accepted. "
                      "Try again in a few minutes; if it goes on, tell the DPS team.")


def configured():
    return bool(getattr(settings, "CLAMAV_URL", ""))


def _connect(url, timeout):
    parsed = urlparse(url)
    if parsed.scheme == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(parsed.path)
        return sock
    if parsed.scheme == "tcp" and parsed.hostname and parsed.port:
        return socket.create_connection((parsed.hostname, parsed.port), timeout=timeout)
    raise ScannerUnavailable("CLAMAV_URL must be tcp://host:port or unix:///path: the file "
                             "was not accepted.")


def _reply(sock):
    data = b""
    while not data.endswith(b"\0"):
        piece = sock.recv(4096)
        if not piece:
            break
        data += piece
    return data.rstrip(b"\0").decode("utf-8", "replace").strip()


def scan(fileobj):
    """Stream `fileobj` (from its start) to clamd. Returns True when clean (False when no
    scanner is configured); raises RuleViolation `malware_detected` or ScannerUnavailable."""
    url = getattr(settings, "CLAMAV_URL", "")
    if not url:
        return False
    timeout = float(getattr(settings, "CLAMAV_TIMEOUT", 30))
    fileobj.seek(0)
    try:
        with _connect(url, timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            while chunk := fileobj.read(CHUNK):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            answer = _reply(sock)
    except OSError as exc:
        raise ScannerUnavailable() from exc
    finally:
        fileobj.seek(0)
    if answer.endswith("FOUND"):
        raise RuleViolation("This file contains malware and was not accepted.",
                            code="malware_detected", fields={"file": ["Malware detected."]})
    if answer.endswith(" OK"):
        return True
    # "INSTREAM size limit exceeded. ERROR" and anything else: not known to be clean.
    what = answer or "no answer"
    raise ScannerUnavailable(f"The malware scanner could not check this file ({what}), so it "
                             "was not accepted.")


def ping():
    """True when the configured clamd answers PING (for the health page and the tests)."""
    url = getattr(settings, "CLAMAV_URL", "")
    try:
        with _connect(url, 5) as sock:
            sock.sendall(b"zPING\0")
            return _reply(sock) == "PONG"
    except (OSError, DomainError):
        return False
