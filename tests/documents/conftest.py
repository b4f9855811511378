import pytest

from tests.documents.clamd import Clamd


@pytest.fixture(scope="session")
def clamd_server():
    server = Clamd()
    yield server
    server.stop()


@pytest.fixture
def clamd(clamd_server, settings):
    """Uploads are scanned by a real clamd for this test."""
    settings.CLAMAV_URL = clamd_server.url
    return clamd_server
