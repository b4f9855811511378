"""Users and roles (POST /api/v1/users/, dps_admin; GET /api/v1/users/me/)."""

import pytest

from dps.models import AuditEntry, User
from tests import factories as f
from tests.asserts import assert_error, assert_money, nothing_changes

pytestmark = pytest.mark.django_db

URL = "/api/v1/users/"
STRONG = "plum-orchard-lantern-42"


def payload(org, **changes):
    return {"username": "jo.budget", "password": STRONG, "email": "jo@example.gov.uk",
            "organisation": org.pk, "roles": ["budget_holder"],
            "approval_limit": "300000.00", **changes}


def test_anonymous_cannot_create_user(anon):
    authority = f.AuthorityFactory()
    with nothing_changes():
        assert_error(anon.post(URL, payload(authority), format="json"), 401, "not_authenticated")


def test_anonymous_cannot_ask_who_they_are(anon):
    assert_error(anon.get(f"{URL}me/"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.BudgetHolderFactory,
                                     f.FinanceFactory, f.ProviderUserFactory])
def test_non_admin_cannot_create_user(api, factory):
    user = factory()
    with nothing_changes():
        response = api(user).post(URL, payload(user.organisation), format="json")
    assert_error(response, 403, "forbidden")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.ProviderUserFactory])
def test_non_admin_cannot_list_users(api, factory):
    assert_error(api(factory()).get(URL), 403, "forbidden")


def test_non_admin_cannot_read_another_user(api, commissioner, dps_admin):
    assert_error(api(commissioner).get(f"{URL}{dps_admin.pk}/"), 403, "forbidden")


def test_dps_admin_cannot_fetch_an_unknown_user(api, dps_admin):
    assert_error(api(dps_admin).get(f"{URL}999999/"), 404, "not_found")


@pytest.mark.parametrize("password", [
    "short1!",            # too short
    "password123",        # common
    "4815162342",         # entirely numeric
    "jo.budget.jo",       # too like the username
])
def test_dps_admin_cannot_create_user_when_password_is_weak(api, dps_admin, password):
    authority = f.AuthorityFactory()
    with nothing_changes():
        response = api(dps_admin).post(URL, payload(authority, password=password),
                                       format="json")
    body = assert_error(response, 400, "invalid", fields=["password"])
    assert body["fields"]["password"]
    assert not User.objects.filter(username="jo.budget").exists()


@pytest.mark.parametrize("roles", [["commissioner"], ["provider", "commissioner"],
                                   ["dps_admin"]])
def test_dps_admin_cannot_give_authority_roles_to_a_provider_user(api, dps_admin, roles):
    provider = f.ProviderOrgFactory()
    with nothing_changes():
        response = api(dps_admin).post(URL, payload(provider, roles=roles), format="json")
    assert_error(response, 400, "invalid", fields=["roles"])


def test_dps_admin_cannot_give_the_provider_role_to_an_authority_user(api, dps_admin):
    authority = f.AuthorityFactory()
    with nothing_changes():
        response = api(dps_admin).post(URL, payload(authority, roles=["commissioner", "provider"]),
                                       format="json")
    assert_error(response, 400, "invalid", fields=["roles"])


@pytest.mark.parametrize(("change", "field"), [
    ({"roles": []}, "roles"),
    ({"roles": ["mayor"]}, "roles.0"),
    ({"organisation": 999999}, "organisation"),
    ({"username": "jo budget"}, "username"),
    ({"email": "not-an-address"}, "email"),
    ({"approval_limit": "-1.00"}, "approval_limit"),
])
def test_dps_admin_cannot_create_user_when_a_field_is_invalid(api, dps_admin, change, field):
    authority = f.AuthorityFactory()
    with nothing_changes():
        response = api(dps_admin).post(URL, payload(authority, **change), format="json")
    assert_error(response, 400, "invalid", fields=[field])


def test_dps_admin_cannot_create_user_when_username_is_taken(api, dps_admin):
    f.CommissionerFactory(username="Jo.Budget")
    authority = f.AuthorityFactory()
    with nothing_changes():
        response = api(dps_admin).post(URL, payload(authority), format="json")
    assert_error(response, 400, "invalid", fields=["username"])


def test_dps_admin_creates_a_budget_holder_with_an_approval_limit(api, dps_admin):
    authority = f.AuthorityFactory()
    response = api(dps_admin).post(URL, payload(authority), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert "password" not in body
    assert body["organisation"] == authority.pk
    assert body["roles"] == ["budget_holder"]
    assert_money(body["approval_limit"], "300000.00")
    user = User.objects.get(pk=body["id"])
    assert user.check_password(STRONG)
    assert AuditEntry.objects.get(object_id=user.pk, action="user.created").actor == dps_admin


def test_dps_admin_gives_an_authority_user_several_roles(api, dps_admin):
    authority = f.AuthorityFactory()
    response = api(dps_admin).post(
        URL, payload(authority, roles=["commissioner", "finance", "commissioner"],
                     approval_limit=None), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["roles"] == ["commissioner", "finance"]
    assert response.json()["approval_limit"] is None


def test_dps_admin_creates_a_provider_user(api, dps_admin):
    provider = f.ProviderOrgFactory()
    response = api(dps_admin).post(URL, payload(provider, roles=["provider"],
                                                approval_limit=None), format="json")
    assert response.status_code == 201, response.json()
    assert User.objects.get(pk=response.json()["id"]).is_provider_user


def test_any_user_reads_who_they_are(api, provider_user):
    body = api(provider_user).get(f"{URL}me/").json()
    assert body["id"] == provider_user.pk
    assert body["roles"] == ["provider"]
    assert body["organisation"] == provider_user.organisation_id
