"""What a file is, decided from its bytes (filetype reads the magic numbers; a ZIP is opened to
tell a Word document from an OpenDocument text or any other archive), and the text people
would read in it (pypdf for PDF; the document XML of DOCX and ODT read with defusedxml; plain
text decoded). The file name is never consulted. Everything reads from the file object in
pieces: an upload is on disk (Django's temporary upload file) and is never read whole into
memory.
"""

import codecs
import io
import zipfile

import filetype
from defusedxml import ElementTree

from dps.errors import RuleViolation

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
TEXT = "text/plain"
PNG = "image/png"
JPEG = "image/jpeg"

# Types whose text we read (and so can check for a child's identifiers), and images.
TEXT_BEARING = {PDF: "pdf", DOCX: "docx", ODT: "odt", TEXT: "txt"}
IMAGES = {PNG: "png", JPEG: "jpg"}
ALLOWED = TEXT_BEARING | IMAGES
EXTENSIONS = ALLOWED

HEAD = 8192
MAX_XML_BYTES = 50 * 1024 * 1024   # a document's XML, uncompressed: beyond it, a zip bomb
MAX_TEXT_CHARS = 5_000_000


def refuse_type(detail=None):
    raise RuleViolation(
        detail or "This type of file is not accepted: upload a PDF, a Word document (DOCX), "
                  "an OpenDocument text (ODT), plain text, or a PNG or JPEG image.",
        code="file_type_not_allowed", fields={"file": ["File type not allowed."]})


def _zip_type(fileobj):
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                return DOCX
            if "mimetype" in names and "content.xml" in names:
                with archive.open("mimetype") as member:
                    if member.read(100).strip() == ODT.encode():
                        return ODT
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    return None


def _is_text(fileobj):
    """UTF-8 (or ASCII) text without NUL or other control bytes, read piece by piece."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    while chunk := fileobj.read(64 * 1024):
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
        if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
            return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect(fileobj):
    """The content type of `fileobj` from its bytes, or 400 file_type_not_allowed."""
    fileobj.seek(0)
    head = fileobj.read(HEAD)
    fileobj.seek(0)
    if not head:
        refuse_type("The file is empty.")
    guess = filetype.guess(head)
    mime = guess.mime if guess else None
    try:
        if mime in (PDF, PNG, JPEG):
            return mime
        if mime in ("application/zip", DOCX, ODT):
            found = _zip_type(fileobj)
            if found:
                return found
        elif mime is None and _is_text(fileobj):
            return TEXT
    finally:
        fileobj.seek(0)
    refuse_type()


def _xml_text(archive, member, paragraph_tags):
    info = archive.getinfo(member)
    if info.file_size > MAX_XML_BYTES:
        raise RuleViolation("This document is too large to read once unpacked.",
                            code="file_too_large", fields={"file": ["Too large unpacked."]})
    with archive.open(member) as handle:
        root = ElementTree.parse(handle).getroot()
    parts = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if element.text:
            parts.append(element.text)
        if tag in paragraph_tags:
            parts.append("\n")
        if element.tail:
            parts.append(element.tail)
    return "".join(parts)


def extract_text(fileobj, content_type):
    """The text a reader would see, or "" for images. Raises 400 when it cannot be read."""
    fileobj.seek(0)
    try:
        if content_type == PDF:
            from pypdf import PdfReader

            reader = PdfReader(fileobj)
            text = "\n".join(page.extract_text() or "" for page in reader.pages)
        elif content_type == DOCX:
            with zipfile.ZipFile(fileobj) as archive:
                members = [n for n in archive.namelist() if n == "word/document.xml"
                           or n.startswith(("word/header", "word/footer", "word/footnotes"))]
                text = "\n".join(_xml_text(archive, n, {"p", "br", "tab"}) for n in members)
        elif content_type == ODT:
            with zipfile.ZipFile(fileobj) as archive:
                text = "\n".join(_xml_text(archive, n, {"p", "h", "line-break", "tab"})
                                 for n in ("content.xml", "styles.xml")
                                 if n in archive.namelist())
        elif content_type == TEXT:
            decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
            pieces, length = [], 0
            while length < MAX_TEXT_CHARS and (chunk := fileobj.read(64 * 1024)):
                pieces.append(decoder.decode(chunk))
                length += len(pieces[-1])
            text = "".join(pieces)
        else:
            text = ""
    except RuleViolation:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken file is bad input, not a server error
        raise RuleViolation("This file could not be read: it may be damaged or protected by "
                            "a password. Save it again and upload it.", code="file_unreadable",
                            fields={"file": ["The file could not be read."]}) from exc
    finally:
        try:
            fileobj.seek(0)
        except ValueError:
            pass
    return text[:MAX_TEXT_CHARS]


def text_of_bytes(content_type, body):
    """For the tests' children's sweep: the text of a downloaded document's bytes."""
    return extract_text(io.BytesIO(body), content_type)
