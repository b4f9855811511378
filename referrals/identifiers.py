"""Find a child's identifiers in free text before it can reach a provider.

Names match as whole words in any case; the date of birth in the common written forms
(14/03/2012, 14-3-12, 14.03.2012, 2012-03-14, 14 March 2012, 14th Mar 2012, March 14th 2012,
March 14, 2012); the case reference and postcode with or without spaces or hyphens.
"""

import calendar
import re

MONTHS = {
    month: [calendar.month_name[month], calendar.month_abbr[month]]
    + (["Sept"] if month == 9 else [])
    for month in range(1, 13)
}
_SEP = r"[\s/.\-]"
_ORDINAL = r"(?:st|nd|rd|th)?"


def _word(pattern):
    return re.compile(rf"(?<![0-9A-Za-z]){pattern}(?![0-9A-Za-z])", re.IGNORECASE)


def _loose(value):
    """The value's letters and digits, allowing spaces or hyphens between any of them."""
    chars = [re.escape(c) for c in value if c.isalnum()]
    return r"[\s\-/]*".join(chars)


def date_patterns(day):
    d, m = day.day, day.month
    yyyy, yy = f"{day.year:04d}", f"{day.year % 100:02d}"
    year = rf"(?:{yyyy}|'?{yy})"
    dd, mm = rf"0?{d}", rf"0?{m}"
    month = "(?:" + "|".join(MONTHS[m]) + r")\.?"
    return [
        _word(rf"{dd}{_SEP}{mm}{_SEP}{year}"),                        # 14/03/2012, 14-3-12
        _word(rf"{yyyy}{_SEP}{mm}{_SEP}{dd}"),                        # 2012-03-14
        _word(rf"{dd}{_ORDINAL}\s+(?:of\s+)?{month},?\s+{year}"),     # 14th of March 2012
        _word(rf"{month}\s+{dd}{_ORDINAL},?\s+{year}"),               # March 14th, 2012
    ]


def find_identifiers(text, *, first_name="", last_name="", date_of_birth=None,
                     case_reference="", postcode=""):
    """The kinds of identifier found in `text`: a subset of first_name, last_name,
    date_of_birth, case_reference, postcode."""
    if not text:
        return []
    found = []
    for kind, value in (("first_name", first_name), ("last_name", last_name)):
        if value and value.strip() and _word(re.escape(value.strip())).search(text):
            found.append(kind)
    if date_of_birth and any(p.search(text) for p in date_patterns(date_of_birth)):
        found.append("date_of_birth")
    for kind, value in (("case_reference", case_reference), ("postcode", postcode)):
        if value and any(c.isalnum() for c in value) and _word(_loose(value)).search(text):
            found.append(kind)
    return found
