"""The OCDS 1.1.5 release schema with the UK extension merged onto it, and offline validation
of the notices' releases and the open data's packages (ADR 0020)."""

import copy
import json
from functools import lru_cache
from pathlib import Path

from reports.ocds import SCHEMA_DIR as CORE_DIR

EXTENSION_DIR = Path(__file__).resolve().parent / "ocds_uk_extension"


def merge_patch(target, patch):
    """RFC 7386 JSON Merge Patch: objects merge key by key, null deletes, anything else
    replaces (how OCDS tooling applies an extension's schema)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _read(path):
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def release_schema():
    return merge_patch(_read(CORE_DIR / "release-schema.json"),
                       _read(EXTENSION_DIR / "release-schema.json"))


@lru_cache(maxsize=1)
def _validators():
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    release = release_schema()
    package = _read(CORE_DIR / "release-package-schema.json")
    # The package schema names the release schema by its canonical URL: serve the merged one.
    registry = Registry().with_resources(
        (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
        for schema in (package, release))
    return (Draft4Validator(release, registry=registry),
            Draft4Validator(package, registry=registry))


def _messages(errors):
    return ["/".join(str(p) for p in error.absolute_path) + ": " + error.message
            for error in sorted(errors, key=lambda e: list(e.absolute_path))]


def release_errors(data):
    """Every error of one release against the merged schema (none: valid)."""
    return _messages(_validators()[0].iter_errors(data))


def package_errors(data):
    return _messages(_validators()[1].iter_errors(data))
