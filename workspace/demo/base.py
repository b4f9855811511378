"""The demo's organisations, users and DPS arrangements: two councils, a dozen providers across
the four lots, users of every role, and the adults' DPS and approved provider list beside the
children's DPS. Run with the clock three years back (workspace/demo/history.py), so the DPS has
a past."""

import datetime
from decimal import Decimal

from dps import services as kernel
from dps.models import Organisation, Role
from providers import services
from providers.models import Dps

DEMO_PASSWORD = "Placements-Demo-2026"

PROVIDERS = [
    # name, area, postcode, companies house, {lot: cap}
    ("Oakfield Fostering Ltd", "West Sussex", "RH12 2AB", "07123401",
     {"fostering": "950.00"}),
    ("Harbour Foster Care", "Brighton and Hove", "BN2 1TT", "07123402",
     {"fostering": "1025.00"}),
    ("Meadowbank Families", "Surrey", "GU1 3AA", "07123403", {"fostering": "990.00"}),
    ("Downs View Children's Homes", "West Sussex", "BN14 8QA", "07123404",
     {"residential": "5200.00"}),
    ("Southdown Care Homes", "East Sussex", "BN21 4PH", "07123405",
     {"residential": "5800.00", "fostering": "1100.00"}),
    ("Weald House Ltd", "Kent", "TN1 1AA", "07123406", {"residential": "6400.00"}),
    ("Chalk Hill School", "West Sussex", "PO19 1AB", "07123407", {"inmss": "68000.00"}),
    ("Riverside Specialist College", "Hampshire", "SO23 8AA", "07123408",
     {"inmss": "72500.00"}),
    ("Coastal Learning Trust", "Brighton and Hove", "BN1 4GH", "07123409",
     {"inmss": "59000.00", "tuition": "48.00"}),
    ("Bright Steps Tuition", "West Sussex", "RH10 1AA", "07123410", {"tuition": "42.00"}),
    ("One to One Tutors", "Surrey", "KT1 1AA", "07123411", {"tuition": "45.00"}),
    ("Pathways Alternative Provision", "West Sussex", "BN11 1AA", "07123412",
     {"tuition": "39.50", "residential": "6100.00"}),
]

AUTHORITY_USERS = [
    # username, authority key, roles, approval limit, name
    ("admin", "lead", [Role.DPS_ADMIN], None, ("Dana", "Admin")),
    ("commissioner", "lead", [Role.COMMISSIONER], None, ("Chris", "Commissioner")),
    ("budgetholder", "lead", [Role.BUDGET_HOLDER], Decimal("300000.00"), ("Bea", "Holder")),
    ("director", "lead", [Role.BUDGET_HOLDER], Decimal("2000000.00"), ("Dee", "Director")),
    ("finance", "lead", [Role.FINANCE], None, ("Fin", "Officer")),
    ("partner.commissioner", "partner", [Role.COMMISSIONER], None, ("Pat", "Partner")),
    ("partner.budgetholder", "partner", [Role.BUDGET_HOLDER], Decimal("250000.00"),
     ("Pam", "Partner")),
    ("partner.finance", "partner", [Role.FINANCE], None, ("Phil", "Partner")),
]

ADULTS_DPS = {
    "code": "adults-ldmh", "name": "Adults' learning disability and mental health DPS",
    "regime": "pa2023_light_touch", "regulator": "cqc",
    "description": "Community support, supported living and residential care for adults with "
                   "a learning disability or mental health needs.",
    "extension_options": "Up to 2 × 12 months",
    "required_declarations": [
        {"key": "cqc_registered", "label": "We are registered with the CQC for the services "
                                           "we offer."},
        {"key": "insurance", "label": "We hold the insurance the specification requires."},
    ],
    "lots": [
        {"code": "community_support", "name": "Community support", "price_unit": "hour",
         "requires_regulator_reference": True},
        {"code": "supported_living", "name": "Supported living", "price_unit": "week",
         "requires_regulator_reference": True},
        {"code": "residential_care", "name": "Residential care", "price_unit": "week",
         "requires_regulator_reference": True},
    ],
}

APPROVED_LIST = {
    "code": "care-agencies", "name": "Approved list of care and support agencies",
    "regime": "pa2023_dynamic_market", "regulator": "cqc",
    "description": "CQC-registered domiciliary care and support agencies; hourly rates fixed "
                   "for 12 months.",
    "fixed_price_months": 12,
    "required_declarations": [
        {"key": "cqc_registered", "label": "We are registered with the CQC."},
        {"key": "living_wage", "label": "We pay at least the real Living Wage."},
    ],
    "lots": [
        {"code": "home_care", "name": "Home care and support", "price_unit": "hour",
         "requires_regulator_reference": True},
    ],
}



def seed_world(today, now):
    """Councils, users, and the children's DPS's first round, decided: run at the DPS's start
    (the history's clock). {username: User}."""
    lead = kernel.create_organisation(
        by=None, name="West Sussex County Council", kind="authority", is_lead=True,
        area="West Sussex", postcode="PO19 1RQ")
    partner = kernel.create_organisation(
        by=None, name="Brighton and Hove City Council", kind="authority",
        area="Brighton and Hove", postcode="BN3 3BQ")
    authorities = {"lead": lead, "partner": partner}
    users = {}
    for username, key, roles, limit, (first, last) in AUTHORITY_USERS:
        users[username] = kernel.create_user(
            by=None, username=username, password=DEMO_PASSWORD,
            email=f"{username}@example.gov.uk", organisation=authorities[key], roles=roles,
            approval_limit=limit, first_name=first, last_name=last)
    admin = users["admin"]
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])

    children = Dps.objects.get(code="children")
    children.lead_authority = lead
    children.save(update_fields=["lead_authority"])
    # A past round, decided: everyone but the last provider is admitted.
    past = services.create_round(by=admin, dps=children,
                                 opens_at=now - datetime.timedelta(days=40),
                                 closes_at=now + datetime.timedelta(minutes=1))
    declarations = {key: True for key in children.declaration_keys}
    applications = []
    for index, (name, area, postcode, ch, lots) in enumerate(PROVIDERS):
        org = kernel.create_organisation(by=admin, name=name, kind="provider", area=area,
                                         postcode=postcode, companies_house_number=ch)
        user = kernel.create_user(
            by=admin, username=f"provider{index + 1}", password=DEMO_PASSWORD,
            email=f"bids@provider{index + 1}.example.org", organisation=org,
            roles=[Role.PROVIDER])
        application = services.create_application(
            by=user, provider=org, dps=children,
            lots=[{"lot": code, "price_cap": cap} for code, cap in lots.items()],
            ofsted_urn=f"SC{700100 + index}", declarations=declarations,
            credit_check_date=today - datetime.timedelta(days=30), credit_check_result="pass")
        applications.append((user, services.submit_application(application, by=user)))
    services.close_round(past, by=admin)
    for _user, application in applications[:-2]:
        services.decide_application(application, by=admin, decisions=[
            {"lot": item.lot.code, "outcome": "admitted", "reason": "Meets the criteria."}
            for item in application.lots.all()])
    # Provider 11 was rejected (and may re-apply); provider 12 still awaits a decision.
    user, application = applications[-2]
    services.decide_application(application, by=admin, decisions=[
        {"lot": item.lot.code, "outcome": "rejected",
         "reason": "Safeguarding policy did not meet the specification."}
        for item in application.lots.all()])
    past.refresh_from_db()

    return users


def seed_today(users, today, now):
    """What is happening now: the adults' arrangements, an open round, a suspension."""
    admin = users["admin"]
    lead = admin.organisation
    children = Dps.objects.get(code="children")
    for spec in (ADULTS_DPS, APPROVED_LIST):
        services.create_dps(
            by=admin, lead_authority=lead, starts_on=today.replace(month=4, day=1),
            ends_on=today.replace(year=today.year + 7, month=3, day=31), **spec)
    # An open round now, for new applications.
    services.create_round(by=admin, dps=children, opens_at=now,
                          closes_at=now + datetime.timedelta(days=14))
    # One provider is suspended for two months.
    suspended = Organisation.objects.get(name="Weald House Ltd").memberships.first()
    services.suspend_membership(suspended, by=admin,
                                until=today + datetime.timedelta(days=60),
                                reason="Ofsted inspection rated the home inadequate.")
