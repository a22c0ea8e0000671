"""Known vulnerabilities in the installed (pinned) dependencies, via pip-audit.

Fails when pip-audit reports a vulnerability. When pip-audit cannot reach its vulnerability
service (an offline CI machine) it says so plainly and does not fail: an audit that could not run
is reported as such, never as "no vulnerabilities". BMS_AUDIT_STRICT=1 makes that a failure too.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
TIMEOUT_S = int(os.environ.get("BMS_AUDIT_TIMEOUT_S", "300"))


def main() -> int:
    command = [str(VENV_BIN / "pip-audit"), "--local", "--skip-editable", "--progress-spinner", "off",
               "--format", "json", "--timeout", "20"]
    try:
        # A fixed command line: nothing in it comes from outside.
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        return _unreachable(f"pip-audit did not finish within {TIMEOUT_S} s")
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return _unreachable(reason[:300])
    dependencies = report.get("dependencies", [])
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed release yet"
            print(f"pip-audit: {dep['name']} {dep.get('version', '')}: {vuln['id']} (fixed in {fixed})")
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} vulnerable dependencies: bump their pins in pyproject.toml.")
        return 1
    audited = len(dependencies) - len(skipped)
    if skipped and audited == 0:
        return _unreachable(f"none of {len(dependencies)} dependencies could be looked up "
                            f"({skipped[0]['skip_reason']})")
    print(f"pip-audit: no known vulnerabilities in {audited} dependencies"
          + (f" ({len(skipped)} not on PyPI, not audited)" if skipped else "") + ".")
    return 0


def _unreachable(reason: str) -> int:
    print(f"pip-audit: NOT RUN — the vulnerability service could not be reached: {reason}. "
          "Run `make audit` where PyPI's JSON API is reachable.")
    return 1 if os.environ.get("BMS_AUDIT_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
