"""Check every document's bytes against the SHA-256 stored with its row: the restore drill's
file half (docs/operations.md). Exits 1 when a file is missing or differs; lists stored files
no row names (left by a rolled-back upload) without failing."""

import hashlib

from django.core.management.base import BaseCommand, CommandError

from documents.models import Document, documents_storage


def _digest(document):
    digest = hashlib.sha256()
    with document.file.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _stored_names(storage, path=""):
    try:
        folders, names = storage.listdir(path)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in names:
        yield f"{path}/{name}" if path else name
    for folder in folders:
        yield from _stored_names(storage, f"{path}/{folder}" if path else folder)


class Command(BaseCommand):
    help = "Verify every stored document against its checksum."

    def handle(self, *args, **options):
        problems, checked, names = [], 0, set()
        for document in Document.objects.order_by("pk").iterator():
            names.add(document.file.name)
            try:
                if _digest(document) != document.sha256:
                    problems.append(f"document {document.pk}: checksum differs")
            except (FileNotFoundError, OSError) as exc:
                problems.append(f"document {document.pk}: missing ({exc.__class__.__name__})")
            checked += 1
        orphans = sorted(set(_stored_names(documents_storage())) - names)
        for name in orphans:
            self.stdout.write(f"unreferenced file (no row): {name}")
        if problems:
            raise CommandError("documents: " + "; ".join(problems))
        self.stdout.write(f"documents: OK — {checked} checked against their SHA-256, "
                          f"{len(orphans)} unreferenced")
