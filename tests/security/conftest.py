"""Print the security figures at the end of any run that included them (CI shows them without
`-s`): matrix cells checked and leaks found, fuzz cases run, page/API parity, hostile requests
sent."""

import sys


def pytest_terminal_summary(terminalreporter):
    matrix = sys.modules.get("tests.security.test_permission_matrix")
    if matrix is not None and matrix.TOTALS:
        totals = matrix.TOTALS
        cells = totals["API cells"] + totals["page cells"]
        terminalreporter.write_sep("-", "permission matrix")
        terminalreporter.write_line(
            f"{cells} matrix cells checked ({totals['API cells']} API, "
            f"{totals['page cells']} pages): {totals['leaks']} leaks, "
            f"{totals['server errors']} server errors, {totals['mismatches']} mismatches")
    fuzz = sys.modules.get("tests.security.test_fuzz_api")
    if fuzz is not None and fuzz.RUN["cases"]:
        failed = [key for key in fuzz.RUN if key.startswith("failed: ")]
        terminalreporter.write_sep("-", "API fuzzing (schemathesis)")
        terminalreporter.write_line(
            f"{len(list(fuzz.schema.get_all_operations()))} operations, {fuzz.RUN['cases']} "
            f"cases run as dps_admin and provider: {len(failed)} operations failing "
            f"(server errors or schema mismatches); schema check held off for "
            f"{len(fuzz.KNOWN_SCHEMA_MISMATCHES)} known mismatches")
    parity = sys.modules.get("tests.security.test_parity")
    if parity is not None and parity.RESULT:
        result = parity.RESULT
        terminalreporter.write_sep("-", "page/API parity")
        terminalreporter.write_line(
            f"{result['pages']} page actions accept POST: {result['with_api']} with their API "
            f"operation ({result['operations']} operations of the schema's {result['schema']}), "
            f"{len(result['without'])} without, each with its reason in tests/parity.py "
            f"({', '.join(result['without'])})")
    bad_input = sys.modules.get("tests.security.test_fuzz_bad_input")
    if bad_input is not None and bad_input.RUN["NUL"]:
        terminalreporter.write_sep("-", "bad input (NUL, deep JSON, extreme dates and numbers)")
        terminalreporter.write_line(bad_input.summary())
