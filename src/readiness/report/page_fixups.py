"""The sign-off page as served, fit for any reader: a phone, a screen reader, no script.

pytest-html's template lacks what a page read on a phone or with assistive technology needs: a
language, a viewport, a main landmark, names for its filter checkboxes. The page is corrected
once, as a file, when the run publishes it; everything else the page needs comes through
pytest-html's hooks (readiness.report.html).
"""

import re

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1"/>'


def served_whole(page: str) -> str:
    """The page with a language, a viewport, its content in <main>, and named checkboxes."""
    page = re.sub(r"<html(?![^>]*\blang=)", '<html lang="en"', page, count=1)
    if 'name="viewport"' not in page:
        page = re.sub(r"(<head[^>]*>)", rf"\1{VIEWPORT}", page, count=1)
    if "<main" not in page:
        page = re.sub(r"(<body[^>]*>)", r"\1<main>", page, count=1)
        page = page.replace("</body>", "</main></body>", 1)
    return re.sub(
        r'(<input\b[^>]*data-test-result="(\w+)")(?![^>]*aria-label)',
        r'\1 aria-label="show \2 results"',
        page,
    )
