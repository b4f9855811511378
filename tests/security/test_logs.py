"""Operations: every response carries a request id, and log lines are JSON carrying it."""

import json
import logging

import pytest

from dps.logs import JsonFormatter, RequestIdFilter, request_id

pytestmark = pytest.mark.django_db


def test_each_response_gets_a_fresh_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32
    assert first != second


def test_an_id_from_the_proxy_is_kept_and_a_bad_one_replaced(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-4f2a9c01")["X-Request-ID"] == \
        "lb-4f2a9c01"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert replaced != "<script>"
    assert len(replaced) == 32


def test_log_lines_during_a_request_carry_its_id(client, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="trace-000111")
    assert response.status_code == 404
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records
    RequestIdFilter().filter(records[-1])
    line = JsonFormatter().format(records[-1])
    entry = json.loads(line)
    assert entry["request_id"] == "trace-000111"
    assert entry["level"] == "WARNING"
    assert "/no-such-page/" in entry["message"]


def test_the_formatter_writes_one_json_object_with_the_exception():
    record = logging.LogRecord("dps", logging.ERROR, __file__, 1, "broke %s", ("here",), None)
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    token = request_id.set("abc12345")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "broke here"
    assert entry["request_id"] == "abc12345"
    assert "ValueError: boom" in entry["exception"]
