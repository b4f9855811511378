"""The input guard (dps/input_guard.py): the instances issue 13 names, and what the door and the
field bounds promise. The whole class, every operation and page, is fuzzed by
tests/security/test_fuzz_bad_input.py."""

import datetime
import json

import pytest
from django import forms
from django.test import Client
from rest_framework import serializers

from dps import input_guard
from dps.forms import DatePartsField, MoneyField
from dps.models import Organisation
from dps.two_factor import safe_next
from tests import factories as f
from tests.asserts import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, commissioner, settings):
    settings.STAFF_TWO_FACTOR = False
    client.force_login(commissioner)
    return client


# --- The instances of the issue ---------------------------------------------------------------

def test_a_nul_in_an_api_filter_is_a_400_naming_it(api, provider_user):
    body = assert_error(api(provider_user).get("/api/v1/opportunities/?lot=%00"), 400, "invalid",
                        fields=["lot"])
    assert "NUL" in body["fields"]["lot"][0]


def test_a_nul_in_a_page_query_is_the_400_page_with_the_usual_headers(signed_in):
    response = signed_in.get("/dashboard/?q=%00")

    assert response.status_code == 400
    assert "there is a problem with the request" in response.content.decode()
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_json_nested_100000_deep_is_a_400(api, dps_admin):
    deep = "[" * 100_000 + "]" * 100_000
    response = api(dps_admin).generic("POST", "/api/v1/organisations/", deep,
                                      content_type="application/json")
    assert_error(response, 400, "invalid", fields=["body"])
    assert not Organisation.objects.filter(name="").exists()


def test_a_spend_report_in_year_9999_is_a_400(api):
    finance = f.FinanceFactory()
    response = api(finance).get("/api/v1/reports/spend/",
                                {"from": "9999-01-01", "to": "9999-12-31"})
    body = assert_error(response, 400, "invalid", fields=["from", "to"])
    assert "31 December 2199" in body["fields"]["from"][0]


# --- The door: NUL anywhere, deep or non-finite JSON, unreadable bodies ----------------------

@pytest.mark.parametrize(("header", "value"), [
    ("HTTP_COOKIE", "sessionid=abcdefgh\x00ijklmnop"),  # loading the session would fail
    ("HTTP_AUTHORIZATION", "Token abc\x00def"),  # looking the token up would fail
    ("HTTP_X_ANYTHING", "a\x00b"),
])
def test_a_nul_in_a_header_or_cookie_is_a_400(header, value):
    client = Client(raise_request_exception=False)
    assert_error(client.get("/api/v1/lots/", **{header: value}), 400, "invalid")
    assert client.get("/sign-in/", **{header: value}).status_code == 400


def test_a_nul_in_a_path_segment_is_a_400(api, dps_admin):
    assert_error(api(dps_admin).get("/api/v1/lots/%00/"), 400, "invalid", fields=["path"])


def test_a_nul_inside_a_nested_json_string_is_named_by_its_path(api, dps_admin):
    body = {"name": "Acme", "lots": [{"code": "ok"}, {"code": "bad\x00"}]}
    response = api(dps_admin).post("/api/v1/organisations/", body, format="json")
    assert_error(response, 400, "invalid", fields=["lots.1.code"])


def test_json_depth_is_refused_past_the_limit_only():
    within = {}
    node = within
    for _ in range(input_guard.MAX_JSON_DEPTH - 1):
        node["a"] = {}
        node = node["a"]
    input_guard.check_json(within)  # at the limit: accepted
    with pytest.raises(input_guard.Refused):
        input_guard.check_json({"a": within})


def test_a_number_too_large_for_a_float_is_refused_by_name(api, dps_admin):
    response = api(dps_admin).generic("POST", "/api/v1/users/", '{"organisation": 1e400}',
                                      content_type="application/json")
    assert_error(response, 400, "invalid", fields=["organisation"])


def test_a_nul_in_a_form_post_or_a_text_body_is_a_400(api, dps_admin):
    client = api(dps_admin)
    assert_error(client.post("/api/v1/organisations/", {"name": "a\x00"}), 400, "invalid",
                 fields=["name"])
    assert_error(client.post("/api/v1/organisations/", {"name": "a\x00"}, format="multipart"),
                 400, "invalid", fields=["name"])
    assert_error(client.generic("POST", "/api/v1/organisations/", "a,b\n\x00,c",
                                content_type="text/csv"), 400, "invalid", fields=["body"])


def test_forms_and_multipart_still_reach_the_api_whole(api, dps_admin):
    """The door parses a form body once; DRF reads the same fields (POST) or its own copy
    (PATCH)."""
    from tests.monitoring.factories import KpiFactory

    client = api(dps_admin)
    created = client.post("/api/v1/organisations/", {"name": "Acme Care", "kind": "provider",
                                                     "area": "West Sussex",
                                                     "postcode": "RH12 1ST"},
                          format="multipart")
    assert created.status_code == 201, created.content
    assert Organisation.objects.filter(pk=created.json()["id"], name="Acme Care").exists()
    kpi = KpiFactory()
    for content in ("multipart", None):  # multipart, then url-encoded
        name = f"Stability ({content})"
        if content:
            changed = client.patch(f"/api/v1/kpis/{kpi.pk}/", {"name": name}, format=content)
        else:
            changed = client.generic("PATCH", f"/api/v1/kpis/{kpi.pk}/", f"name={name}",
                                     content_type="application/x-www-form-urlencoded")
        assert changed.status_code == 200, changed.content
        kpi.refresh_from_db()
        assert kpi.name == name


def test_too_many_query_parameters_is_the_api_error_body(api, dps_admin):
    query = "&".join(f"a{n}=1" for n in range(1_200))  # over DATA_UPLOAD_MAX_NUMBER_FIELDS
    assert_error(api(dps_admin).get(f"/api/v1/lots/?{query}"), 400, "invalid", fields=["body"])


def test_a_body_over_the_size_limit_is_a_400(api, dps_admin, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = json.dumps({"name": "x" * 2_000})
    response = api(dps_admin).generic("POST", "/api/v1/organisations/", body,
                                      content_type="application/json")
    assert_error(response, 400, "invalid")


# --- The bounds every field gets -------------------------------------------------------------

@pytest.mark.parametrize("field", [serializers.DateField(), serializers.DateTimeField()])
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2200-01-01", "1899-12-31"])
def test_every_drf_date_field_refuses_a_date_outside_the_window(field, value):
    with pytest.raises(serializers.ValidationError) as refused:
        field.run_validation(value if isinstance(field, serializers.DateField) else
                             f"{value}T12:00:00Z")
    assert "1 January 1900" in str(refused.value)


def test_the_window_admits_its_own_ends():
    field = serializers.DateField()
    first, last = input_guard.DATE_WINDOW
    assert field.run_validation(first.isoformat()) == first
    assert field.run_validation(last.isoformat()) == last


@pytest.mark.parametrize("field", [forms.DateField(), forms.DateTimeField()])
def test_every_django_date_field_refuses_year_9999(field):
    with pytest.raises(forms.ValidationError):
        field.clean("9999-12-31")


def test_integer_fields_refuse_what_no_column_holds_and_decimals_keep_their_own_bounds():
    with pytest.raises(serializers.ValidationError):
        serializers.IntegerField(min_value=0).run_validation(2**31)
    assert serializers.IntegerField().run_validation(2**31 - 1) == 2**31 - 1
    with pytest.raises(forms.ValidationError):
        forms.IntegerField().clean(str(10**30))
    # Money is a DecimalField, which Django derives from IntegerField: not capped at 2**31.
    assert MoneyField().clean("5,000,000,000.00") == 5_000_000_000


@pytest.mark.parametrize("year", ["9999", "1", str(10**30)])
def test_the_govuk_date_input_refuses_an_out_of_window_or_overflowing_year(year):
    field = DatePartsField(subject="the placement starts")
    with pytest.raises(forms.ValidationError):
        field.clean(["1", "1", year])
    assert field.clean(["1", "1", "2026"]) == datetime.date(2026, 1, 1)


@pytest.mark.parametrize(("given", "goes_to"), [("dashboard", "/"), ("10000", "/"),
                                                ("https://evil.example/", "/"),
                                                ("/placements/", "/placements/")])
def test_a_next_that_is_not_a_path_on_this_site_goes_home(rf, given, goes_to):
    """redirect() takes a bare word for a URL name to reverse, and fails (found by the fuzz)."""
    assert safe_next(rf.get("/two-factor/verify/", {"next": given})) == goes_to
