"""A PDF's text for the tests, read by pypdf (pure Python: no system package such as poppler).

pypdf breaks lines where the PDF wraps them ("per\\nweek"), so each page's whitespace is
collapsed to single spaces and the page ends with a form feed (as pdftotext's did): a phrase
reads the same wherever the layout happened to wrap it, and pages can still be counted.
"""

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(bytes(data)))
    return "".join(" ".join((page.extract_text() or "").split()) + "\f"
                   for page in reader.pages)
