"""referrals.identifiers.find_identifiers: the child's identity found in free text."""

import datetime

import pytest

from referrals.identifiers import find_identifiers

CHILD = {"first_name": "Jayden", "last_name": "Oakes", "date_of_birth": datetime.date(2012, 3, 14),
         "case_reference": "WSCC-48213", "postcode": "RH12 4QT"}


def found(text):
    return find_identifiers(text, **CHILD)


def test_plain_text_names_nobody():
    assert found("A 13-year-old who needs a calm home with waking night staff.") == []


def test_empty_text_names_nobody():
    assert found("") == []
    assert found(None) == []


@pytest.mark.parametrize("text", ["Jayden likes football.", "jayden likes football.",
                                  "Likes football, JAYDEN says.", "Jayden's school is near.",
                                  "(jayden)"])
def test_first_name_is_found_as_a_whole_word_in_any_case(text):
    assert found(text) == ["first_name"]


@pytest.mark.parametrize("text", ["The Oakes family.", "the oakes family", "OAKES"])
def test_last_name_is_found_as_a_whole_word_in_any_case(text):
    assert found(text) == ["last_name"]


@pytest.mark.parametrize("text", ["Jaydenson plays rugby.", "Rejayden", "Oakeshott Road",
                                  "Soakes the plants", "Jayden2"])
def test_a_name_inside_another_word_is_not_found(text):
    assert found(text) == []


@pytest.mark.parametrize("text", [
    "Born 14/03/2012.", "Born 14-3-12.", "Born 14.03.2012.", "Born 14 March 2012.",
    "Born 14th Mar 2012.", "Born 2012-03-14.", "Born March 14th 2012.", "Born March 14, 2012.",
    "born 14 march 2012", "BORN 14TH MAR 2012",
])
def test_date_of_birth_is_found_in_the_common_written_forms(text):
    assert found(text) == ["date_of_birth"]


@pytest.mark.parametrize("text", [
    "Reviewed 15/03/2012.", "Reviewed 14/04/2012.", "Reviewed 14/03/2013.",
    "Reviewed 14 March 2013.", "Reviewed March 15th 2012.", "Reviewed 2012-03-15.",
    "Reference 114/03/2012.", "Reviewed 14/03/20125.",
])
def test_a_different_date_is_not_flagged(text):
    assert found(text) == []


@pytest.mark.parametrize("text", ["Case WSCC-48213.", "case wscc48213", "Case WSCC 48213.",
                                  "case Wscc - 48213", "WSCC-4821-3"])
def test_case_reference_is_found_with_or_without_spaces_or_hyphens_in_any_case(text):
    assert found(text) == ["case_reference"]


def test_a_longer_case_reference_is_not_the_childs():
    assert found("Case WSCC-482139.") == []


@pytest.mark.parametrize("text", ["Lives at RH12 4QT.", "lives at rh124qt", "RH12-4QT",
                                  "Rh12  4qt", "rh 12 4 qt"])
def test_postcode_is_found_with_or_without_spaces_or_hyphens_in_any_case(text):
    assert found(text) == ["postcode"]


def test_a_neighbouring_postcode_is_not_flagged():
    assert found("Near RH12 4QU and RH13 4QT.") == []


def test_every_kind_present_is_reported_once_in_a_fixed_order():
    text = "RH12 4QT: Oakes, Jayden (WSCC-48213), born 14/03/2012; jayden again."
    assert found(text) == ["first_name", "last_name", "date_of_birth", "case_reference",
                           "postcode"]


def test_blank_identifiers_match_nothing():
    assert find_identifiers("Jayden born 14/03/2012", first_name=" ", last_name="",
                            date_of_birth=None, case_reference="-", postcode="") == []
