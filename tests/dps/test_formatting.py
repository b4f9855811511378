"""One way to write money, dates and codes for people (issue 16, finding 8), and table sorting
by an allowlist (finding 9)."""

import datetime
from decimal import Decimal

from django.test import RequestFactory

from contracts.models import Placement
from dps import formatting
from dps.sorting import Sort


def test_money_always_has_the_thousands_separator_and_pennies():
    assert formatting.money(Decimal("5200")) == "£5,200.00"
    assert formatting.money("1234567.005") == "£1,234,567.01"  # half up, as finance rounds
    assert formatting.money(Decimal("-12.5")) == "\u2212£12.50"
    assert formatting.whole_money(500000) == "£500,000"
    assert formatting.money(None) == ""


def test_dates_are_written_the_gov_uk_way():
    assert formatting.long_date(datetime.date(2027, 4, 1)) == "1 April 2027"
    assert formatting.long_date("2027-04-01") == "1 April 2027"
    at = datetime.datetime(2027, 4, 1, 13, 30, tzinfo=datetime.UTC)
    assert formatting.date_time(at) == "14:30 on 1 April 2027"  # British Summer Time


def test_codes_read_as_their_labels():
    assert formatting.label(Placement.Route, "dps") == "DPS call-off"
    assert formatting.label({"out_of_area": "Out of area"}, "out_of_area") == "Out of area"
    assert formatting.label(Placement.Route, "something_new") == "Something new"


def _sort(query):
    request = RequestFactory().get("/list/", query)
    return Sort(request, {"name": ("name",), "price": ("price",)}, default="-price")


def test_a_sort_outside_the_allowlist_falls_back_to_the_default():
    sort = _sort({"sort": "password"})
    assert (sort.key, sort.descending) == ("price", True)
    assert [str(term) for term in sort.order_by][-1] == "-pk"


def test_a_header_links_to_the_other_direction_and_keeps_the_filters():
    sort = _sort({"sort": "name", "status": "live", "page": "3"})
    current = sort.header("name", "Name")
    assert current["aria_sort"] == "ascending"
    assert sorted(current["query"].split("&")) == ["sort=-name", "status=live"]  # page 1
    other = sort.header("price", "Price")
    assert other["aria_sort"] == "none"
    assert "sort=price" in other["query"]
