"""The documents stay usable: a short README that starts with the two commands, and no relative link in the README
or docs/ that leads nowhere (a file that is gone, a heading renamed)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
README = ROOT / "README.md"
DOCS = ROOT / "docs"
DOCUMENTS = [README, *sorted(DOCS.glob("*.md"))]
README_LIMIT = 10_240
IMAGE_LIMIT = 300 * 1024

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def prose(text: str) -> str:
    """The text without code blocks and code spans, where brackets are not links."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text, lower case, without punctuation, spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(path: Path) -> list[str]:
    return [
        target
        for target in LINK.findall(prose(path.read_text(encoding="utf-8")))
        if not re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE)
    ]


def broken(path: Path, target: str) -> str:
    """Why `target`, linked from `path`, leads nowhere; empty when it leads somewhere."""
    file_part, _, anchor = target.partition("#")
    linked = (path.parent / file_part).resolve() if file_part else path
    if not linked.exists():
        return f"{target}: no file {linked}"
    if not linked.resolve().is_relative_to(ROOT):
        return f"{target}: outside the repository"
    if anchor and (linked.suffix != ".md" or anchor not in anchors(linked)):
        return f"{target}: no heading #{anchor} in {linked.name}"
    return ""


def test_the_readme_is_short():
    assert README.stat().st_size <= README_LIMIT, "the README is a front page: move the details into docs/"


def test_the_readme_begins_with_the_two_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ")
    first = [line for line in lines[1:] if line.strip()][:4]
    assert first[0] == "```sh"
    assert first[1].startswith("make run ")
    assert first[2].startswith("make test ")
    assert first[3] == "```"


def test_the_readme_links_every_document():
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in relative_links(README)}
    assert [doc.name for doc in DOCUMENTS[1:] if doc.resolve() not in linked] == []


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_leads_somewhere(path):
    links = relative_links(path)
    assert links, "a document with no link: is the link pattern still right?"
    assert [reason for target in links if (reason := broken(path, target))] == []


def test_images_stay_small():
    images = sorted((DOCS / "images").iterdir())
    assert images
    assert [image.name for image in images if image.stat().st_size > IMAGE_LIMIT] == []


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Keys and rotation", "keys-and-rotation"),
        ("ZNS templates, sends and messages", "zns-templates-sends-and-messages"),
        ("The `etelecom` client (no Django)", "the-etelecom-client-no-django"),
        ("What is kept how long?", "what-is-kept-how-long"),
        ("Gửi ZNS", "gửi-zns"),
        ("[Linked](x.md) heading", "linked-heading"),
    ],
)
def test_anchors_are_the_ones_github_makes(heading, anchor):
    assert slug(heading) == anchor
