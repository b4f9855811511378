"""OpenAPI post-processing.

A `…ForCaller` component describes one endpoint answering staff and providers with different
serializers. drf-spectacular writes it as `oneOf`, but the staff shape is a superset of the
provider's, so a staff response matches both and strict validators (schemathesis in
tests/security/test_fuzz_api.py) reject it. `anyOf` says what is meant: one of these shapes.
"""


def any_of_for_caller(result, generator, request, public):
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("ForCaller") and "oneOf" in schema:
            schema["anyOf"] = schema.pop("oneOf")
    return result
