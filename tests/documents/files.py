"""Files the document tests upload, made at run time: PDF, DOCX, ODT, text, PNG, and the EICAR
test string built from two pieces so the repository itself carries no test virus."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*").encode()


def pdf(text="Referral pack: needs and outcomes.", padding=0):
    """A one-page PDF whose text pypdf reads back; `padding` bytes of comment make it big."""
    lines = text.split("\n")
    ops = "BT /F1 11 Tf 50 780 Td 14 TL " + " ".join(
        f"({line.replace('(', ' ').replace(')', ' ')}) '" for line in lines) + " ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(ops) + ops.encode("latin-1") + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    if padding:
        line = b"%" + b"x" * 78 + b"\n"
        out.write(line * (padding // len(line) + 1))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def docx(text="Placement plan."):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml",
                         '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"><Override PartName="/word/document.xml" '
                         'ContentType="application/vnd.openxmlformats-officedocument.'
                         'wordprocessingml.document.main+xml"/></Types>')
        paragraphs = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>"
                             for line in text.split("\n"))
        archive.writestr("word/document.xml",
                         '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats'
                         f'.org/wordprocessingml/2006/main"><w:body>{paragraphs}</w:body>'
                         '</w:document>')
    return out.getvalue()


def odt(text="Home profile."):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        paragraphs = "".join(f"<text:p>{line}</text:p>" for line in text.split("\n"))
        archive.writestr("content.xml",
                         '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:'
                         'names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:'
                         'opendocument:xmlns:text:1.0"><office:body><office:text>'
                         f'{paragraphs}</office:text></office:body></office:document-content>')
    return out.getvalue()


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def upload(body, name="file.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, body, content_type=content_type)
