"""Bad input is refused at the door with a 400, never a server error (issue 13).

Three shapes no view should have to think about:

- A NUL character (U+0000) anywhere a request carries text: the path, a header or cookie, a
  query parameter, a form or multipart field, a file name, a text body, or a string inside a
  JSON body. PostgreSQL cannot store or even compare such a string ("A string literal cannot
  contain NUL"), so a filter, a lookup or a save would fail deep inside a view.
- A JSON body nested deeper than MAX_JSON_DEPTH (Python's parser gives up with a RecursionError
  near 1,000 levels), or holding a number too large for a float (`1e400` parses as infinity).
- A date outside DATE_WINDOW: date arithmetic near year 9999 or 1 overflows. Every date the
  service reads (DRF and Django date fields, the GOV.UK date inputs) must lie within it; and
  an integer beyond INTEGER_RANGE, which no column of ours can hold.

`BadInputMiddleware` answers the first two before any other code reads the request: the API's
error body (`invalid`, with `fields` naming the parameter) under /api/, the plain 400 page
elsewhere. `install_input_bounds` (called from DpsConfig.ready) gives the frameworks' date
fields the window, and their integer fields PostgreSQL's integer range, as default validators,
so no serializer, form or filter has to declare them.
"""

import datetime
import io
import json
import math

from django.core.exceptions import BadRequest, SuspiciousOperation, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpResponseBadRequest, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.template import loader
from django.utils.datastructures import MultiValueDict

from dps import formatting

NUL = "\x00"
MAX_JSON_DEPTH = 64
DATE_WINDOW = (datetime.date(1900, 1, 1), datetime.date(2199, 12, 31))
INTEGER_RANGE = (-(2**31), 2**31 - 1)
API_PREFIX = "/api/"
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class Refused(Exception):
    """One problem with the request: `name` is what the API's `fields` calls it."""

    def __init__(self, name, message):
        super().__init__(message)
        self.name = name
        self.message = message


def _shown(name):
    # A parameter's own name may carry the NUL: name it visibly.
    return name.replace(NUL, "\\u0000")


def _no_nul(name, *texts):
    for text in texts:
        if isinstance(text, str) and NUL in text:
            raise Refused(_shown(name), "Must not contain a NUL character (\\u0000).")


def check_json(data):
    """Walk a parsed JSON document without recursion: NUL in a key or string, a non-finite
    number or nesting deeper than MAX_JSON_DEPTH raise Refused, named by the dotted path that
    the API's `fields` uses ("lines.0.from")."""
    stack = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, (dict, list)) and depth >= MAX_JSON_DEPTH:
            raise Refused(path or "body", f"JSON nested more than {MAX_JSON_DEPTH} levels deep.")
        if isinstance(value, dict):
            for key, sub in value.items():
                where = f"{path}.{key}" if path else str(key)
                _no_nul(where, key)
                stack.append((sub, where, depth + 1))
        elif isinstance(value, list):
            stack.extend((sub, f"{path}.{index}" if path else str(index), depth + 1)
                         for index, sub in enumerate(value))
        elif isinstance(value, str):
            _no_nul(path or "body", value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise Refused(path or "body", "A number too large to represent.")


def _form(request, content_type):
    """The form fields and files, parsed once: Django parses POST bodies itself (and the view
    reuses them); a PUT or PATCH body is parsed here from a copy, left for DRF to read."""
    if request.method == "POST":
        return request.POST, request.FILES
    body = request.body
    if content_type == "application/x-www-form-urlencoded":
        return QueryDict(body, encoding=request.encoding), MultiValueDict()
    parser = MultiPartParser(request.META, io.BytesIO(body), request.upload_handlers,
                             request.encoding)
    return parser.parse()


def _check_body(request):
    content_type = request.content_type or ""
    if content_type in FORM_TYPES:
        fields, files = _form(request, content_type)
        for key, values in fields.lists():
            _no_nul(key, key, *values)
        for key, uploads in files.lists():
            _no_nul(key, key, *(upload.name for upload in uploads))
        return
    is_json = content_type.endswith("json")
    if not (is_json or content_type.startswith("text/")):
        return  # binary bodies may hold NUL bytes; nothing here reads them as text
    body = request.body  # bounded by DATA_UPLOAD_MAX_MEMORY_SIZE
    if not is_json:
        if b"\x00" in body:
            raise Refused("body", "Must not contain a NUL character.")
        return
    if body:
        try:
            data = json.loads(body)
        except RecursionError:
            raise Refused("body", f"JSON nested more than {MAX_JSON_DEPTH} levels deep.") \
                from None
        except ValueError:
            return  # not JSON: the API's parser answers with its own 400
        check_json(data)


def check_request(request):
    """Raise Refused for the first NUL (or over-deep JSON) the request carries."""
    _no_nul("path", request.path)
    for key, value in request.META.items():
        if key.startswith("HTTP_") or key == "CONTENT_TYPE":
            # The header's value only: a cookie's own value, the token, anything.
            _no_nul(key.removeprefix("HTTP_").replace("_", "-").title(), value)
    for key, values in request.GET.lists():
        _no_nul(key, key, *values)
    if request.META.get("CONTENT_LENGTH") not in (None, "", "0") or \
            request.META.get("HTTP_TRANSFER_ENCODING"):
        _check_body(request)


def refusal(request, name, message):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"code": "invalid", "detail": "Some fields are not valid: see fields.",
                             "fields": {name: [message]}}, status=400)
    # No request context: the session or the user may be what carries the NUL.
    return HttpResponseBadRequest(loader.get_template("errors/400.html").render())


class BadInputMiddleware:
    """Early in MIDDLEWARE: before the session, the user or a view reads the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            check_request(request)
        except Refused as refused:
            return refusal(request, refused.name, refused.message)
        except (SuspiciousOperation, BadRequest, MultiPartParserError) as exc:
            # Too many fields, a body over the size limit, a broken multipart body.
            return refusal(request, "body", f"The request could not be read: {exc}")
        return self.get_response(request)


# --- The date window -------------------------------------------------------------------------

def window_message():
    first, last = DATE_WINDOW
    return f"Enter a date between {formatting.long_date(first)} and {formatting.long_date(last)}."


def in_date_window(value):
    """Validator for dates and datetimes (DRF's and Django's fields take it the same way)."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if isinstance(day, datetime.date) and not DATE_WINDOW[0] <= day <= DATE_WINDOW[1]:
        raise ValidationError(window_message(), code="date_out_of_range")


def outside_date_window(day):
    """For the few places that parse a date by hand (a query parameter read as text)."""
    return not DATE_WINDOW[0] <= day <= DATE_WINDOW[1]


def install_input_bounds():
    """Every DRF and Django date and datetime field refuses a date outside DATE_WINDOW, and
    every integer field a number beyond INTEGER_RANGE (a PostgreSQL `integer` column: a
    larger value fails as the row is written, a DataError, a 500).

    The frameworks' own hook: a field class's `default_validators` runs before the validators
    a field declares (its own `max_value` still narrows). DRF computes a field's validators
    when a serializer is bound (always after this), django-filter builds its form fields per
    request, and the project's forms are imported by the URL configuration, after the apps are
    ready; the GOV.UK date input (dps.forms.DatePartsField) checks the window itself.
    """
    from django import forms
    from rest_framework import fields

    low, high = INTEGER_RANGE
    bounds = {fields.DateField: [in_date_window], fields.DateTimeField: [in_date_window],
              forms.DateField: [in_date_window], forms.DateTimeField: [in_date_window],
              fields.IntegerField: [MinValueValidator(low), MaxValueValidator(high)],
              forms.IntegerField: [MinValueValidator(low), MaxValueValidator(high)]}
    for field_class, validators in bounds.items():
        if vars(field_class).get("_input_bounds"):
            continue
        for subclass in field_class.__subclasses__():
            # Django's DecimalField and FloatField are IntegerFields: they keep their own.
            subclass.default_validators = list(subclass.default_validators)
        field_class.default_validators = [*field_class.default_validators, *validators]
        field_class._input_bounds = True
