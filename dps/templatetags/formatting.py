"""Template filters over dps/formatting.py, so pages, e-mails and PDFs read alike:
`{{ amount|money }}` "£5,200.00", `{{ day|long_date }}` "1 April 2027", `{{ at|date_time }}`
"14:30 on 1 April 2027", `{{ code|humanise }}` "Out of area", `{{ user|person }}`."""

from django import template

from dps import formatting

register = template.Library()

register.filter("money", formatting.money)
register.filter("whole_money", formatting.whole_money)
register.filter("long_date", formatting.long_date)
register.filter("date_time", formatting.date_time)
register.filter("humanise", formatting.humanise)
register.filter("person", formatting.person)
