"""Every state change has an audit entry. Three guards, each failing if its rule breaks:

- every transition declared on any model is made by some service through
  `dps.transitions.move` (which returns the audit writer);
- every `move(...)` result in the code is written (called), never dropped;
- at run time (tests/audit_guard.py) a transition fired outside move() fails the test, and
  so does a kept transition without its audit row.
"""

import ast
from collections import Counter
from pathlib import Path

import pytest
from django_fsm.signals import post_transition

from dps.transitions import move
from tests import audit_guard
from tests import factories as f
from tests.calloffs import factories as cf

ROOT = Path(__file__).resolve().parents[2]
APPS = ("dps", "providers", "referrals", "calloffs", "contracts", "monitoring", "reports",
        "invoicing", "documents", "notices", "sufficiency", "workspace")


def app_sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or path.name == "transitions.py":
                continue
            yield path, ast.parse(path.read_text(), filename=str(path))


def movers(tree):
    """`move` and the module's aliases of it (`_transition = move`)."""
    names = {"move"}
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.value, "id", None) == "move":
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def calls_to_move(tree):
    names = movers(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in names:
            yield node


def test_every_declared_transition_is_made_through_move():
    moved = set()
    for _, tree in app_sources():
        calls = set(calls_to_move(tree))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            inside = [node for node in ast.walk(function) if node in calls]
            for call in inside:
                if len(call.args) >= 2 and isinstance(call.args[1], ast.Constant):
                    moved.add(call.args[1].value)
                elif inside:
                    # move(obj, name) with the name chosen above it in the same function.
                    moved |= {node.value for node in ast.walk(function)
                              if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    transitions = audit_guard.declared()
    assert len(transitions) >= 30
    missing = sorted(f"{model}.{name}" for model, name in transitions if name not in moved)
    assert missing == []


def test_every_move_result_is_written():
    dropped = []
    for path, tree in app_sources():
        names = movers(tree)
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            called = {node.func.id for node in ast.walk(function)
                      if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
            for statement in ast.walk(function):
                if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) \
                        and getattr(statement.value.func, "id", None) in names:
                    dropped.append(f"{path.name}:{statement.lineno} result ignored")
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call) \
                        and getattr(statement.value.func, "id", None) in names:
                    targets = [t.id for t in statement.targets if isinstance(t, ast.Name)]
                    if not any(name in called for name in targets):
                        dropped.append(f"{path.name}:{statement.lineno} {targets} never called")
    assert dropped == []


def test_the_run_time_guard_is_connected():
    receivers = [r for r in post_transition._live_receivers(None)[0]
                 if getattr(r, "__name__", "") == "on_transition"]
    assert receivers


# --- The run-time guard (tests/audit_guard.py) can fail ------------------------------------

@pytest.fixture
def referral(db):
    made = cf.ReferralFactory()
    audit_guard.take()
    return made


def test_a_kept_transition_without_its_audit_row_fails_the_guard(referral):
    user = f.CommissionerFactory(organisation=referral.authority)
    move(referral, "withdraw", by=user)  # the writer is dropped on purpose
    referral.save()
    with pytest.raises(AssertionError, match=rf"Referral #{referral.pk} withdraw "
                                             r"\(draft → withdrawn\)"):
        audit_guard.check(audit_guard.take(), Counter())


def test_a_transition_with_its_audit_row_passes_and_is_counted(referral):
    user = f.CommissionerFactory(organisation=referral.authority)
    write = move(referral, "withdraw", by=user)
    referral.save()
    write()
    tally, seen = Counter(), set()
    audit_guard.check(audit_guard.take(), tally, seen)
    assert tally == {"transitions fired": 1, "transitions with their audit entry": 1}
    assert seen == {("Referral", "withdraw")}


def test_a_transition_whose_state_was_not_kept_needs_no_row(referral):
    move(referral, "withdraw", by=None)  # refused later by the service: never saved
    tally = Counter()
    audit_guard.check(audit_guard.take(), tally)
    assert tally["transitions not kept (rolled back)"] == 1


def test_a_transition_outside_move_fails_at_once(referral):
    with pytest.raises(AssertionError, match="ran outside dps.transitions.move"):
        referral.withdraw()
