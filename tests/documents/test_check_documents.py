import pytest
from django.core.management import CommandError, call_command

from tests.documents import files
from tests.documents.test_api_documents import post
from tests.documents.worlds import WORLDS

pytestmark = pytest.mark.django_db


def test_the_restore_check_passes_then_catches_a_changed_file(api, capsys):
    from documents.models import Document

    world = WORLDS["application"]()
    post(api(world.uploader), world, files.pdf())
    call_command("check_documents")
    assert "documents: OK — 1 checked" in capsys.readouterr().out
    document = Document.objects.get()
    with document.file.storage.open(document.file.name, "wb") as handle:
        handle.write(b"changed")
    with pytest.raises(CommandError, match="checksum differs"):
        call_command("check_documents")
    document.file.storage.delete(document.file.name)
    with pytest.raises(CommandError, match="missing"):
        call_command("check_documents")
