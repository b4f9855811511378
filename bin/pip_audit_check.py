"""Run pip-audit on the pinned set (constraints.txt) and say plainly what it could check.

Fails on any known vulnerability. A package the advisory service has no answer for is
listed as unchecked, not passed: on machines whose network does not reach PyPI's advisory
data (this project's CI machines, see docs/operations.md) every package is unchecked and the
step says so rather than claiming a clean bill of health.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("pip-audit")), "-r", str(ROOT / "constraints.txt"),
         "--format", "json", "--progress-spinner", "off", "--no-deps", "--disable-pip"],
        capture_output=True, text=True, timeout=600, check=False)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stdout + result.stderr)
        print("pip-audit: no report (see above)")
        return 1
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    unchecked = [d for d in dependencies if d.get("skip_reason")]
    checked = len(dependencies) - len(unchecked)
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            print(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} "
                  f"(fixed in {', '.join(vuln.get('fix_versions', [])) or 'no release yet'})")
    print(f"pip-audit: {len(dependencies)} pinned packages, {checked} checked, "
          f"{len(unchecked)} unchecked (advisory data unavailable), {len(vulnerable)} vulnerable")
    if unchecked and not checked:
        print("pip-audit: WARNING the advisory service could not be reached from this machine; "
              "nothing was checked. Run `make security` where PyPI's JSON API answers.")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
