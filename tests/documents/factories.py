import factory
from django.core.files.base import ContentFile

from documents.models import Document, Kind, Scan
from tests import factories as f
from tests.documents import files


class CertificateFactory(factory.django.DjangoModelFactory):
    """An insurance certificate on an admitted membership, as its provider uploaded it."""

    class Meta:
        model = Document

    attached_to = "membership"
    object_id = factory.LazyAttribute(lambda d: f.MembershipFactory(provider=d.provider).pk)
    provider = factory.SubFactory(f.ProviderOrgFactory)
    kind = Kind.INSURANCE
    name = "insurance.pdf"
    file = factory.LazyFunction(lambda: ContentFile(files.pdf(), name="upload"))
    size = factory.LazyAttribute(lambda d: d.file.size)
    content_type = "application/pdf"
    sha256 = "0" * 64
    scan = Scan.NOT_SCANNED
    uploaded_by = factory.LazyAttribute(
        lambda d: f.ProviderUserFactory(organisation=d.provider))
