#!/usr/bin/env python
"""The README's screenshots, taken from the seeded demo as its users see it.

Run against a demo that is up (`make demo`, or `manage.py seed_demo` and `runserver`):

    .venv/bin/python bin/demo_screenshots.py [--base http://127.0.0.1:8000] [--out docs/screenshots]

Signs in as each demo role (password `Placements-Demo-2026`, as the README says) with Debian's
Chromium through Playwright, and saves each page full length at 1280 px and its top at 320 px
(the narrowest phone the browser suite sweeps). Pages that do not exist in this installation
(a 404) are reported and skipped, so the script runs on any version of the demo.
"""

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PASSWORD = "Placements-Demo-2026"  # the demo's own, printed by seed_demo (never a real one)
# (file name, user, path): what each role opens first, and the pages the README describes.
SHOTS = [
    ("commissioner-dashboard", "commissioner", "/dashboard/"),
    ("supplier-portal", "provider1", "/portal/"),
    ("budget-holder-approvals", "budgetholder", "/approvals/"),
    ("finance-workspace", "finance", "/finance/"),
    ("finance-reconciliation", "finance", "/finance/invoices/reconciliation/"),
    ("market-insight", "commissioner", "/insight/"),
    ("demand-ahead", "commissioner", "/insight/demand/"),
    ("provider-directory", "commissioner", "/monitoring/providers/"),
    ("notices", "admin", "/notices/"),
    ("vacancies", "provider1", "/vacancies/"),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    missing = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium)
        for name, user, path in SHOTS:
            for width, suffix in ((1280, ""), (320, "-320px")):
                context = browser.new_context(viewport={"width": width, "height": 900})
                page = context.new_page()
                page.goto(f"{args.base}/sign-in/")
                page.get_by_label("Username").fill(user)
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_load_state("networkidle")
                response = page.goto(f"{args.base}{path}")
                if response is None or response.status != 200:
                    missing.append(f"{path} as {user}: {response.status if response else '-'}")
                    context.close()
                    break
                page.screenshot(path=str(out / f"{name}{suffix}.png"), full_page=not suffix)
                context.close()
        browser.close()
    for line in missing:
        print(f"skipped {line}", file=sys.stderr)
    print(f"{len(SHOTS) - len(missing)} pages saved in {out}/")


if __name__ == "__main__":
    main()
