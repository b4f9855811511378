"""API list reads under gunicorn against a minimal Django view of the same rows (issue 19).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale .venv/bin/python \
        bench/api_reads.py [--seconds 5] [--rounds 3] [--connections 8] [--port 8765]

On a database seeded by seed_scale, seed_placements and seed_calloffs (bench/README.md), it
starts gunicorn with 2 workers and production settings (DEBUG off; bench/api_reads_settings.py
adds the bare views of bench/api_reads_urls.py, never mounted in production), then drives it
with wrk (Debian's `wrk`): per pair, the API list (token auth, DRF) and the minimal view
(`.values()` + JsonResponse, same page of 50 rows and its count), interleaved, `--rounds`
times. Prints requests per second side by side (median of the rounds) and the ratio; target
≥ 50 %."""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dps.settings")
    os.environ.setdefault("SECRET_KEY", "bench-api-reads")
    # The development key seed_* wrote the children's data with (DEBUG=1, bench/README.md).
    os.environ.setdefault("FIELD_ENCRYPTION_KEY", "ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LWZvci11c2U=")
    import django

    django.setup()


def tokens():
    from rest_framework.authtoken.models import Token

    from dps.models import User

    found = {}
    for username in ("scale-a01-commissioner", "scale-p01254"):
        user = User.objects.get(username=username)
        Token.objects.filter(user=user).delete()  # a fresh one: tokens expire
        found[username] = (user, Token.objects.create(user=user).key)
    return found


def start_gunicorn(port):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "api_reads_settings", "DEBUG": "0",
           "SECURE_SSL_REDIRECT": "0", "ALLOWED_HOSTS": "127.0.0.1",
           "LOG_LEVEL": "WARNING", "CELERY_TASK_ALWAYS_EAGER": "1"}
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "dps.wsgi", "--workers", "2", "--bind",
         f"127.0.0.1:{port}", "--pythonpath", str(ROOT / "bench"), "--log-level", "warning"],
        cwd=ROOT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("bench: gunicorn did not answer /healthz")


def fetch(url, token=None):
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"}
                                     if token else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


def wrk(url, token, seconds, connections):
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Token {token}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"bench: errors from {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench: needs wrk (apt-get install wrk)")
    setup()
    from calloffs.models import Invitation
    from contracts.models import Placement

    users = tokens()
    commissioner, commissioner_token = users["scale-a01-commissioner"]
    provider, provider_token = users["scale-p01254"]
    base = f"http://127.0.0.1:{args.port}"
    pairs = [
        ("placements (commissioner)", f"{base}/api/v1/placements/", commissioner_token,
         f"{base}/bench/raw/placements/{commissioner.organisation_id}/"),
        ("opportunities (provider)", f"{base}/api/v1/opportunities/", provider_token,
         f"{base}/bench/raw/opportunities/{provider.organisation_id}/"),
    ]
    scale = (f"{Placement.objects.count():,} placements, "
             f"{Placement.objects.filter(authority_id=commissioner.organisation_id).count():,}"
             f" the commissioner's; {Invitation.objects.count():,} invitations, "
             f"{Invitation.objects.filter(provider_id=provider.organisation_id).count():,}"
             " the provider's")
    from django.db import connections

    connections.close_all()
    server = start_gunicorn(args.port)
    try:
        for _, api, token, raw in pairs:  # warm both workers; fail loudly on a bad page
            for _ in range(4):
                if fetch(api, token)[0] != 200 or fetch(raw)[0] != 200:
                    raise SystemExit(f"bench: {api} or {raw} did not answer 200")
        results = {name: ([], []) for name, *_ in pairs}
        for _ in range(args.rounds):
            for name, api, token, raw in pairs:
                results[name][0].append(wrk(api, token, args.seconds, args.connections))
                results[name][1].append(wrk(raw, None, args.seconds, args.connections))
    finally:
        server.terminate()
        server.wait(timeout=60)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"API list reads, gunicorn 2 workers, wrk {args.connections} connections, "
          f"{args.rounds} interleaved rounds of {args.seconds} s, load average {load} on "
          f"{os.cpu_count()} CPUs; {scale}.\n")
    print("| list                       | API req/s | minimal view req/s | API / minimal |")
    print("|----------------------------|-----------|--------------------|---------------|")
    for name, (api_rates, raw_rates) in results.items():
        api_rate, raw_rate = statistics.median(api_rates), statistics.median(raw_rates)
        print(f"| {name:<26} | {api_rate:>9.1f} | {raw_rate:>18.1f} | "
              f"{100 * api_rate / raw_rate:>12.0f} % |")
    print("\nEach round:", {name: [[round(x) for x in r] for r in rates]
                           for name, rates in results.items()})


if __name__ == "__main__":
    main()
