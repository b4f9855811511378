"""Export every call-off published in a period as one OCDS release package (open data)."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from reports import ocds

CHUNK = 500


def _day(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date: use YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = ("Write an OCDS 1.1.5 release package holding one release per call-off published "
            "from --from to --to (inclusive), for every authority. Releases are streamed, so "
            "memory stays flat however long the period.")

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, type=_day,
                            help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="date_to", required=True, type=_day,
                            help="Last day, YYYY-MM-DD.")
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument("--authority", type=int, help="Only this authority's call-offs.")
        parser.add_argument("--validate", action="store_true",
                            help="Validate the written package against the vendored schema.")

    def handle(self, *args, date_from, date_to, output=None, authority=None, validate=False,
               **options):
        if date_to < date_from:
            raise CommandError("--to must not be before --from.")
        calloffs = ocds.calloffs_published(date_from, date_to)
        if authority is not None:
            calloffs = calloffs.filter(authority_id=authority)
        stream = open(output, "w", encoding="utf-8") if output else None  # noqa: SIM115
        write = stream.write if stream else (lambda text: self.stdout.write(text, ending=""))
        try:
            for chunk in ocds.stream_package(calloffs, chunk_size=CHUNK):
                write(chunk)
        finally:
            if stream:
                stream.close()
        count = calloffs.count()
        if validate and output:
            with open(output, encoding="utf-8") as written:
                errors = ocds.validation_errors(json.load(written))
            if errors:
                raise CommandError("The package is not valid OCDS:\n" + "\n".join(errors[:20]))
        # With the package on standard output, the summary goes to standard error.
        (self.stdout if output else self.stderr).write(
            f"Exported {count} release(s) from {date_from} to {date_to} to "
            f"{output or 'standard output'}.")
