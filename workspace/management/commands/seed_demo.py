"""Demo data: two councils, a dozen providers across the four lots, users of every role,
and the adults' DPS and approved provider list beside the children's DPS.

Everything goes through the services, so the demo also has an audit trail. Running it again
changes nothing.
"""

import datetime
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from dps import services as kernel
from dps.models import Organisation, Role, User
from providers import services
from providers.models import AdmissionRound, Dps
from referrals import services as referrals

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


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo sign-ins."

    def handle(self, *args, **options):
        if User.objects.filter(username="admin").exists():
            self.stdout.write("Demo data already loaded.")
        else:
            with transaction.atomic():
                self._seed()
        self._print_sign_ins()

    def _seed(self):
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
        today = timezone.localdate()
        for spec in (ADULTS_DPS, APPROVED_LIST):
            services.create_dps(
                by=admin, lead_authority=lead, starts_on=today.replace(month=4, day=1),
                ends_on=today.replace(year=today.year + 7, month=3, day=31), **spec)

        # A past round, decided: everyone but the last provider is admitted.
        now = timezone.now()
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

        # An open round now, for new applications.
        services.create_round(by=admin, dps=children, opens_at=now,
                              closes_at=now + datetime.timedelta(days=14))

        # One provider is suspended for two months.
        suspended = Organisation.objects.get(name="Weald House Ltd").memberships.first()
        services.suspend_membership(suspended, by=admin,
                                    until=today + datetime.timedelta(days=60),
                                    reason="Ofsted inspection rated the home inadequate.")
        self._seed_calloffs(users)
        self.stdout.write(self.style.SUCCESS(
            f"Loaded demo data: 2 councils, {len(PROVIDERS)} providers, "
            f"{AdmissionRound.objects.count()} rounds, 3 DPS arrangements."))

    def _seed_calloffs(self, users):
        """Three call-offs at different stages and a spot placement, all through the
        services."""
        from calloffs import selectors
        from calloffs import services as calloffs
        from calloffs.models import ExpressionOfInterest
        from providers.models import Lot

        commissioner, today, now = users["commissioner"], timezone.localdate(), timezone.now()
        residential = Lot.objects.get(dps__code="children", code="residential")
        fostering = Lot.objects.get(dps__code="children", code="fostering")

        def provider(name):
            return User.objects.get(organisation__name=name)

        def referral(child, lot, summary, needs, weeks=52, budget=None):
            return referrals.create_referral(
                by=commissioner, child=child, lot=lot, summary=summary, needs=needs,
                outcomes=["safety", "health", "achievement"], duration_weeks=weeks,
                placement_start=today + datetime.timedelta(days=21),
                location_area="West Sussex", budget_kind="ceiling" if budget else "",
                budget_amount=Decimal(budget) if budget else None,
                alternatives_considered=["in_house_fostering", "family_and_friends"])

        def bid(calloff, name, price, text):
            return calloffs.submit_eoi(calloff, by=provider(name), price=Decimal(price),
                                       proposed_start=today + datetime.timedelta(days=21),
                                       how_needs_met=text, outcomes_approach="Monthly "
                                       "outcome reviews with the child and social worker.")

        # 1. Awaiting the budget holder's approval.
        first = referral(
            {"first_name": "Alfie", "last_name": "Marsh", "date_of_birth": datetime.date(
                2012, 5, 2), "case_reference": "WSCC-100231", "postcode": "RH13 5AB"},
            residential, "A 14-year-old with autism and social, emotional and mental health "
            "needs who needs a small, calm home with waking night staff and education on site.",
            ["asd", "semh"], budget="5700.00")
        calloff = calloffs.publish_referral(first, by=commissioner,
                                            deadline=now + datetime.timedelta(hours=2))
        offers = [bid(calloff, "Downs View Children's Homes", "5150.00",
                      "Two-bed home near Worthing with a therapeutic model."),
                  bid(calloff, "Southdown Care Homes", "5600.00",
                      "Single-occupancy home with an on-site school and a clinical team.")]
        calloffs.close_calloff(calloff, by=commissioner)
        for eoi, score in zip(offers, (70, 88), strict=True):
            calloffs.evaluate_eoi(eoi, by=commissioner, quality_score=score,
                                  notes="Scored by the placements panel.")
        best = ExpressionOfInterest.objects.get(pk=selectors.ranking(calloff)[0]["eoi"])
        calloffs.recommend(calloff, by=commissioner, eoi=best,
                           reason="Highest total score; the family prefer this home.")

        # 2. Open, with a question answered.
        second = referral(
            {"first_name": "Maya", "last_name": "Okafor", "date_of_birth": datetime.date(
                2017, 9, 20), "case_reference": "WSCC-100458", "postcode": "BN11 2QQ"},
            fostering, "A 9-year-old who needs a long-term foster family able to support "
            "contact with a younger brother.", ["semh"], weeks=104)
        calloff = calloffs.publish_referral(second, by=commissioner,
                                            deadline=now + datetime.timedelta(days=3))
        bid(calloff, "Oakfield Fostering Ltd", "925.00",
            "An experienced carer couple in Horsham with no other children at home.")
        question = calloffs.ask_question(calloff, by=provider("Harbour Foster Care"),
                                         text="How often is sibling contact planned?")
        calloffs.answer_question(question, by=commissioner,
                                 text="Fortnightly, supervised, in Worthing.")

        # 3. Awarded: a live placement.
        third = referral(
            {"first_name": "Leo", "last_name": "Barnes", "date_of_birth": datetime.date(
                2015, 1, 11), "case_reference": "WSCC-099870", "postcode": "PO19 7HG"},
            fostering, "An 11-year-old who needs a foster family close to his school in "
            "Chichester.", ["learning_disability"])
        calloff = calloffs.publish_referral(third, by=commissioner,
                                            deadline=now + datetime.timedelta(hours=1))
        eoi = bid(calloff, "Meadowbank Families", "980.00",
                  "A carer in Bognor Regis with SEND experience and a car for school runs.")
        calloffs.close_calloff(calloff, by=commissioner)
        calloffs.evaluate_eoi(eoi, by=commissioner, quality_score=80)
        calloffs.recommend(calloff, by=commissioner, eoi=eoi, reason="The only offer; good fit.")
        calloffs.approve_award(calloff, by=users["director"])

        # 4. An emergency spot placement that started before approval: on the commissioner's
        # dashboard and in the budget holder's queue, not yet counted as spend.
        from contracts import services as contracts

        contracts.record_spot_placement(
            by=commissioner, provider_name="Harbour Lights Care Ltd", lot=residential,
            price=Decimal("6250.00"), start_date=today - datetime.timedelta(days=2),
            planned_end_date=today + datetime.timedelta(weeks=12),
            exception_reason="No DPS provider could offer a bed within 48 hours.",
            child={"first_name": "Mia", "last_name": "Hart",
                   "date_of_birth": datetime.date(2011, 9, 2), "case_reference": "WSCC-101122",
                   "postcode": "BN11 3QT"})

    def _print_sign_ins(self):
        self.stdout.write(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD})")
        for user in User.objects.select_related("organisation").order_by("id"):
            roles = ", ".join(user.roles) or ("superuser" if user.is_superuser else "-")
            self.stdout.write(f"  {user.username:<22} {roles:<16} {user.organisation}")
