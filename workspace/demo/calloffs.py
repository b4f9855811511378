"""Today's call-offs: three at different stages and an emergency spot placement."""

import datetime
from decimal import Decimal

from django.utils import timezone

from dps.models import User
from referrals import services as referrals


def seed_calloffs(users):
    """Three call-offs at different stages, a spot placement and a block purchase awaiting
    approval, all through the services."""
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
    # Scored on each of the lot's published criteria (ADR 0026), with a note on each.
    criteria = list(calloff.criteria.all())
    for eoi, marks in zip(offers, ((75, 70, 65, 60), (90, 85, 85, 90)), strict=True):
        calloffs.evaluate_eoi(eoi, by=commissioner, notes="Scored by the placements panel.",
                              scores=[{"criterion": c.pk, "score": mark,
                                       "note": f"{c.name}: scored {mark} by the panel."}
                                      for c, mark in zip(criteria, marks, strict=True)])
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

    # 5. A block purchase above the budget holder's limit (and a key decision): Bea passes it
    # to Dee, whose limit covers it.
    from providers.models import Membership

    member = (Membership.objects.filter(lot=residential, status=Membership.Status.ADMITTED)
              .select_related("provider").order_by("price_cap", "pk").first())
    if member is not None:
        start = today + datetime.timedelta(days=14)
        contracts.create_block_contract(
            by=commissioner, provider=member.provider, lot=residential, beds=2,
            price_per_bed=member.price_cap, start_date=start,
            end_date=start + datetime.timedelta(days=363), reference="WSCC-BLK-2027",
            notes="Two beds for children stepping down from secure care.")

