"""England's upper-tier local authority areas (the councils with children's services duties),
from the vendored ONS list in dps/data/english_local_authorities.csv (source and licence in
dps/data/README.md; ADR 0021).

Records keep the area's ONS name (what API.md's examples send: "West Sussex"), chosen from this
list by forms and validated by serializers, so "in or out of the authority's area" compares
like with like. Values stored before the list existed may be anything: `find` answers None for
them and pages show them as they are.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "data" / "english_local_authorities.csv"
KINDS = {"E06": "Unitary authority", "E08": "Metropolitan district", "E09": "London borough",
         "E10": "County"}


@dataclass(frozen=True)
class Area:
    code: str  # the GSS code, e.g. E10000032
    name: str  # ONS's name, e.g. West Sussex

    @property
    def kind(self):
        return KINDS[self.code[:3]]


def _key(text):
    return " ".join(str(text).split()).casefold()


@cache
def _areas():
    with SOURCE.open(newline="", encoding="utf-8") as handle:
        rows = [Area(row["code"], row["name"]) for row in csv.DictReader(handle)]
    return tuple(sorted(rows, key=lambda area: area.name))


@cache
def _index():
    index = {}
    for area in _areas():
        index[_key(area.name)] = area
        index[_key(area.code)] = area
    return index


def all_areas():
    """Every area, by name."""
    return _areas()


def find(text):
    """The area named (any case or spacing) or coded by `text`, or None."""
    if not text:
        return None
    return _index().get(_key(text))


def code_of(text):
    area = find(text)
    return area.code if area else ""


def choices(blank=None):
    """(name, name) pairs for a select; `blank` adds a first empty option with that label."""
    pairs = [(area.name, area.name) for area in _areas()]
    return [("", blank), *pairs] if blank is not None else pairs


# The names as one choice set, so the OpenAPI schema names it once (AreaEnum).
NAMES = [area.name for area in _areas()]
