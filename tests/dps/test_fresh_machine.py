"""`make test` on a fresh machine (Python 3.11+ and `make`, README) needs no system package that
only `.ci/run` installs: the suite and the app shell out to nothing but the Python running them,
`bash` and `make`. (Services and browsers are declared with a marker and skip with a reason.)

Read from the source, so a new test that calls `pdftotext` fails here on every machine, not
only on the fresh one."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("tests", "dps", "providers", "referrals", "calloffs", "contracts", "monitoring",
           "reports")
ON_A_FRESH_MACHINE = {"bash", "sh", "make"}
# Debian packages' programs the suite once used or might reach for; pure-Python readers exist.
SYSTEM_TOOLS = ("pdftotext", "pdftoppm", "pdfinfo", "pdftocairo", "qpdf", "libreoffice",
                "soffice", "tesseract", "wkhtmltopdf")
# Calls the scan cannot follow, each with why a fresh machine is fine.
DECLARED = {
    "dps/management/commands/rundemo.py":
        "its supervisor runs the commands handle() gives it: sys.executable -m celery",
    "tests/integration/test_redis_down_sign_in.py":
        "redis-server, under the `redis` marker: skipped with a reason where it is missing",
    "tests/documents/clamd.py":
        "clamd, used only by tests under the `clamav` marker: skipped with a reason where it "
        "is missing (.ci/run installs it)",
}
RUNNERS = {("subprocess", name) for name in ("run", "Popen", "call", "check_call",
                                             "check_output", "getoutput", "getstatusoutput")}
RUNNERS |= {("os", name) for name in ("system", "popen", "execv", "execvp", "spawnv",
                                      "spawnvp")}


def sources():
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _assignments(tree):
    """name → the value last assigned to it anywhere in the module (good enough to follow
    `celery = [sys.executable, ...]` into `[*celery, "worker"]`)."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value
    return found


def _program(node, names, depth=0):
    """The program a subprocess call runs: "sys.executable", a string, or None if unknown."""
    if depth > 5:
        return None
    if isinstance(node, ast.Attribute) and ast.unparse(node) == "sys.executable":
        return "sys.executable"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split()[0] if node.value.split() else ""
    if isinstance(node, ast.List | ast.Tuple) and node.elts:
        return _program(node.elts[0], names, depth + 1)
    if isinstance(node, ast.Starred):
        return _program(node.value, names, depth + 1)
    if isinstance(node, ast.Name) and node.id in names:
        return _program(names[node.id], names, depth + 1)
    return None


def subprocess_calls(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    names = _assignments(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and (node.func.value.id, node.func.attr) in RUNNERS):
            continue
        program = _program(node.args[0], names) if node.args else None
        yield node.lineno, program


def test_nothing_shells_out_to_a_program_a_fresh_machine_lacks():
    problems, seen = [], 0
    for path in sources():
        for line, program in subprocess_calls(path):
            seen += 1
            if str(path.relative_to(ROOT)) in DECLARED:
                continue
            if program != "sys.executable" and program not in ON_A_FRESH_MACHINE:
                problems.append(f"{path.relative_to(ROOT)}:{line} runs {program or '?'}")
    assert seen >= 5  # the scan finds the calls there are (deploy checks, workers, restore)
    assert problems == [], problems


def test_no_system_pdf_tool_is_named_anywhere():
    problems = []
    for path in sources():
        if path == Path(__file__).resolve():  # the list above names them
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                words = node.value.replace("/", " ").split()
                problems += [f"{path.relative_to(ROOT)}:{node.lineno} names {tool}"
                             for tool in SYSTEM_TOOLS if tool in words]
    assert problems == [], problems


@pytest.mark.parametrize("source", [
    'subprocess.run(["pdftotext", "-layout", "-", "-"], input=b"")',
    'tool = ["pdftoppm", "-png"]\nsubprocess.run([*tool, "x.pdf"])',
    'os.system("pdfinfo x.pdf")',
])
def test_the_scan_catches_a_system_tool(tmp_path, source):
    path = tmp_path / "test_example.py"
    path.write_text("import os\nimport subprocess\n" + source + "\n")
    [(_, program)] = list(subprocess_calls(path))
    assert program not in ON_A_FRESH_MACHINE | {"sys.executable"}
    assert program in SYSTEM_TOOLS


def test_the_ci_script_no_longer_installs_poppler():
    # Nothing needs it: PDFs are read by pypdf (tests/pdf.py), a dev dependency.
    assert "poppler" not in (ROOT / ".ci" / "run").read_text()
