"""Every main page, read in Vietnamese, shows no English string of ours: a text on the page that is a msgid of our
catalogue whose Vietnamese differs means a string that missed its translation (a label built outside gettext, a
value shown raw, a context that does not match)."""

from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from ..shops.factories import FACTORIES, make_shop

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.po"
OURS = {"shops", "zalo", "pbx"}


def english_strings() -> set[str]:
    """Our msgids whose Vietnamese reads differently, long enough to be words (not `OA`, `%s`)."""
    found = set()
    for entry in polib.pofile(str(CATALOGUE)):
        text = entry.msgid.strip()
        if entry.msgstr.strip() != text and len(text) > 3 and "%" not in text and any(c.isalpha() for c in text):
            found.add(text)
    return found


class VisibleText(HTMLParser):
    """The texts a person reads: text between tags, titles, placeholders, labels; not scripts, styles, icon names
    (the icon font draws them) or a text marked as another language (the language switcher's `English`)."""

    HIDDEN = {"script", "style", "template"}
    ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "value"}

    def __init__(self):
        super().__init__()
        self.texts, self.skipping = [], []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        icon = "material-symbols" in (attributes.get("class") or "")
        foreign = attributes.get("lang") not in (None, "vi")
        if tag in self.HIDDEN or icon or foreign:
            self.skipping.append(tag)
        for name, value in attrs:
            if name in self.ATTRIBUTES and value and (name != "value" or tag in ("input", "button")):
                self.texts.append(value.strip())

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append(" ".join(data.split()))


def untranslated(html: str, english: set[str]) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    pieces = set()
    for text in parser.texts:
        pieces.add(text)
        pieces.update(part.strip() for part in text.replace("·", ":").split(":"))  # `label: value` and `a · b`
    return pieces & english


@pytest.fixture
def pages(db, admin_client):
    """A shop with one row of every model, and the URLs of the main pages (as a superuser sees them): the
    dashboard, the reports, and every changelist and row's page of our apps."""
    shop = make_shop("Cửa hàng dịch thuật")
    for make in FACTORIES.values():
        make(shop)
    urls = [reverse("admin:index"), *(reverse(f"admin:report_{name}") for name in ("calls", "zalo", "consents"))]
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label not in OURS:  # other packages' pages speak their own catalogues
            continue
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk]))
    return urls


def test_no_main_page_shows_english_of_ours(admin_client, pages):
    english = english_strings()
    shown = {}
    for url in pages:
        response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code == 200, url
        found = untranslated(response.content.decode(), english)
        if found:
            shown[url] = sorted(found)
    assert shown == {}, "\n".join(f"{url}: {found}" for url, found in shown.items())


def test_the_check_finds_english():
    english = english_strings()
    assert untranslated("<p>Highest bar: 5.</p><p>Calls per day</p><td>spent</td>", english) == {
        "Calls per day",
        "spent",
    }
    assert untranslated("<p>Cuộc gọi theo ngày</p><script>var s = 'Calls per day';</script>", english) == set()
    icon_and_language = '<span class="material-symbols-outlined">error</span><option lang="en">English</option>'
    assert untranslated(icon_and_language, english) == set()
