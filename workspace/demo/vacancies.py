"""Vacancies the demo's providers have posted (issue 18): some fresh, one on day 12 (its
reminder is due), one expired. Posted through the service with the clock moved back, so each
has its audit trail and the matching panels have something true to show."""

import datetime as dt

from dps.models import User
from sufficiency.services import post_vacancy
from workspace.demo.clock import on

# username, lot, places, area, ages, needs, days ago, notes
VACANCIES = [
    ("provider1", "fostering", 2, "West Sussex", (0, 11), ["semh"], 1,
     "Two experienced carers; siblings welcome."),
    ("provider2", "fostering", 1, "Brighton and Hove", (5, 17), ["asd", "semh"], 4, ""),
    ("provider3", "fostering", 1, "Surrey", (0, 17), [], 12,
     "Parent and child arrangements considered."),
    ("provider4", "residential", 1, "West Sussex", (10, 17), ["semh", "cse"], 2,
     "Solo home with waking night staff."),
    ("provider5", "residential", 2, "East Sussex", (12, 17), ["semh"], 6, ""),
    ("provider5", "fostering", 1, "East Sussex", (8, 15), ["semh"], 20, ""),  # expired
    ("provider7", "inmss", 3, "West Sussex", (11, 18), ["asd", "semh"], 3,
     "Day places from the start of next term."),
    ("provider9", "inmss", 2, "Brighton and Hove", (7, 16), ["asd"], 8, ""),
]


def seed_vacancies(today):
    users = {user.username: user for user in User.objects.filter(
        username__in={row[0] for row in VACANCIES}).select_related("organisation")}
    for username, lot, places, area, ages, needs, days_ago, notes in VACANCIES:
        posted = today - dt.timedelta(days=days_ago)
        with on(posted):
            post_vacancy(by=users[username], lot=lot, places=places, area=area,
                         age_from=ages[0], age_to=ages[1], needs=needs,
                         available_from=posted + dt.timedelta(days=3), notes=notes)
