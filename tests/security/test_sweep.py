"""The children's-data sweep itself (tests/sweep.py) must catch a leak, or it proves nothing.

Each test here makes real requests, takes what the sweep captured, then changes who may see
the child (or feeds it a leak) and asserts the check fails; and that what may be shown passes.
"""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from contracts.models import Placement
from contracts.services import issue_agreement
from tests import factories as f
from tests import sweep
from tests.calloffs import factories as cf
from tests.contracts import factories as pf

NAMED = {"first_name": "Tallulah", "last_name": "Brackenbury",
         "date_of_birth": datetime.date(2013, 7, 9), "case_reference": "ESCC-77120",
         "postcode": "BN3 7QX"}


@pytest.fixture
def placement(db):
    child = cf.ChildFactory(**NAMED)
    return pf.PlacementFactory(child=child, authority=child.authority)


def responses(captured):
    """What the sweep took from responses, leaving out log lines (sign-ins log too)."""
    return [c for c in captured if not c.where.startswith("log ")]


def provider_of(placement):
    return f.ProviderUserFactory(organisation=placement.provider)


def test_the_awarded_provider_may_see_name_and_date_of_birth(placement, client):
    client.force_login(provider_of(placement))
    page = client.get(reverse("contracts:my-placement", args=[placement.pk]))
    assert "Tallulah" in page.content.decode()
    captured = responses(sweep.take())
    assert [c.where for c in captured] == [f"GET /my-placements/{placement.pk}/"]
    sweep.check(captured)


def test_the_same_page_fails_the_sweep_when_the_child_is_not_the_viewers(placement, client):
    client.force_login(provider_of(placement))
    client.get(reverse("contracts:my-placement", args=[placement.pk]))
    client.get(f"/api/v1/placements/{placement.pk}/")
    captured = responses(sweep.take())
    assert len(captured) == 2
    # As if those pages had been shown to a provider the child was never placed with.
    Placement.objects.filter(pk=placement.pk).update(provider=f.ProviderOrgFactory())
    with pytest.raises(AssertionError) as failure:
        sweep.check(captured)
    report = str(failure.value)
    assert f"GET /my-placements/{placement.pk}/: date_of_birth, first_name, last_name" in report
    assert f"GET /api/v1/placements/{placement.pk}/: date_of_birth, first_name, last_name" \
        in report


def test_the_agreement_pdf_is_read_as_text(placement, client):
    issue_agreement(placement, by=f.CommissionerFactory(organisation=placement.authority),
                    reason="Agreed")
    client.force_login(provider_of(placement))
    response = client.get(f"/api/v1/placements/{placement.pk}/agreement.pdf")
    assert response["Content-Type"] == "application/pdf"
    captured = responses(sweep.take())
    assert "Brackenbury" in sweep.text_of(captured[0].content_type, captured[0].body)
    sweep.check(captured)
    Placement.objects.filter(pk=placement.pk).update(provider=f.ProviderOrgFactory())
    with pytest.raises(AssertionError, match="agreement.pdf: date_of_birth, first_name"):
        sweep.check(captured)


def test_case_reference_and_postcode_never_pass_even_for_the_awarded_provider(placement):
    body = (f"<p>{NAMED['first_name']} ({NAMED['case_reference'].lower()}) lives at "
            f"{NAMED['postcode'].replace(' ', '')}</p>").encode()
    capture = sweep.Capture("GET /invented/", "text/html", body, 1,
                            frozenset({placement.provider_id}))
    with pytest.raises(AssertionError, match="case_reference, postcode of Child"):
        sweep.check([capture])


def test_a_signed_out_caller_may_see_nothing(placement):
    body = b'{"born": "9 July 2013", "note": "Tallulah &amp; friends"}'
    with pytest.raises(AssertionError, match="date_of_birth, first_name .* signed-out caller"):
        sweep.check([sweep.Capture("GET /public/", "application/json", body)])


def test_staff_responses_saying_no_store_and_static_files_are_not_kept(placement, client):
    client.force_login(f.CommissionerFactory(organisation=placement.authority))
    client.get(reverse("contracts:detail", args=[placement.pk]))
    client.logout()
    client.get("/static/css/app.css")
    assert responses(sweep.take()) == []


def test_a_staff_response_naming_a_child_must_not_be_stored(placement, client):
    # A real staff page without a child is kept (it may be stored) and passes.
    client.force_login(f.CommissionerFactory(organisation=placement.authority))
    client.get(reverse("help"))
    [kept] = responses(sweep.take())
    assert (kept.staff, kept.storable) == (True, True)
    sweep.check([kept])
    # The same kind of response naming the child fails, whoever sees it...
    body = f"<p>{NAMED['case_reference']}: {NAMED['first_name']}</p>".encode()
    storable = sweep.Capture("GET /invented/", "text/html", body, staff=True, storable=True)
    with pytest.raises(AssertionError, match="case_reference, first_name of Child .* "
                                             "without Cache-Control: no-store"):
        sweep.check([storable])
    # ...unless it says no-store (the awarded provider's own placement is no leak either).
    sweep.check([sweep.Capture("GET /invented/", "text/html", body, staff=True)])
    own = f"<p>{NAMED['first_name']} {NAMED['last_name']}</p>".encode()
    with pytest.raises(AssertionError, match="without Cache-Control: no-store"):
        sweep.check([sweep.Capture("GET /invented/", "text/html", own, 1,
                                   frozenset({placement.provider_id}), storable=True)])


def test_e_mails_to_providers_are_swept_and_to_staff_are_not(placement):
    provider = provider_of(placement)
    staff = f.CommissionerFactory(organisation=placement.authority)
    mail.send_mail("Placement", "Case ESCC-77120 for Tallulah", "dps@example.org",
                   [staff.email])
    sweep.check([])
    mail.send_mail("Placement", "Case ESCC-77120", "dps@example.org", [provider.email])
    with pytest.raises(AssertionError, match="e-mail to .*: case_reference"):
        sweep.check([])
    mail.outbox.clear()


def test_what_a_test_queued_but_never_sent_is_sent_and_swept(placement):
    """On-commit hooks never fire inside a test's transaction: the sweep runs the outbox."""
    from collections import Counter

    from dps import outbox, tasks
    from dps.models import OutboxMessage

    colleague = f.ProviderUserFactory(organisation=placement.provider,
                                      invited_by=provider_of(placement))
    outbox.enqueue(tasks.send_invitation, colleague.pk, "https://dps.example.org")
    assert mail.outbox == []
    tally = Counter()
    sweep.check([], tally=tally, outbox=True)
    assert [m.to for m in mail.outbox] == [[colleague.email]], tally
    assert tally["outbox tasks run"] == 1
    assert tally["e-mail"] == 1
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 1  # ran, not claimed
    mail.outbox.clear()


def test_a_log_line_naming_a_child_fails_the_sweep(placement, caplog):
    import logging

    sweep.take()
    logging.getLogger("referrals").warning("Referral for %s could not be saved",
                                           NAMED["last_name"])
    captured = sweep.take()
    assert [c.where for c in captured] == ["log WARNING referrals"]
    with pytest.raises(AssertionError, match="last_name of Child .* shown to the logs"):
        sweep.check(captured)


@pytest.mark.parametrize("maker", ["pdf", "docx", "odt"])
def test_a_downloaded_document_is_read_as_text(placement, client, maker):
    """A placement's care plan names the child: its own provider may read it; once the
    placement is another provider's, the sweep fails the same download."""
    from documents import services as documents
    from tests.documents import files

    body = getattr(files, maker)(f"Care plan for {NAMED['first_name']} {NAMED['last_name']}.")
    document = documents.upload_document(
        by=f.CommissionerFactory(organisation=placement.authority), attached_to="placement",
        object_id=placement.pk, kind="care_plan_summary", file=files.upload(body, "plan.bin"))
    sweep.take()
    client.force_login(provider_of(placement))
    response = client.get(f"/api/v1/documents/{document.pk}/download/")
    assert response.status_code == 200
    captured = responses(sweep.take())
    assert "Brackenbury" in sweep.text_of(captured[0].content_type, captured[0].body)
    sweep.check(captured)
    Placement.objects.filter(pk=placement.pk).update(provider=f.ProviderOrgFactory())
    with pytest.raises(AssertionError, match="download/: first_name, last_name"):
        sweep.check(captured)
