"""Every main page, read in Vietnamese, shows no English string of ours: a text on the page that is a msgid of our
catalogue whose Vietnamese differs means a string that missed its translation (a label built outside gettext, a
value shown raw, a context that does not match). The pages are the dashboard, the reports, every list and record
of our apps, every add and send form, and the two-factor pages (django-otp ships no Vietnamese: its labels are
ours, and any of its English field names shown is caught too)."""

from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from sms.models import SmsTemplate
from zalo.models import OfficialAccount, ZnsTemplate

from ..conftest import enrol
from ..shops.factories import FACTORIES, make_shop

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.po"
OURS = {"shops", "zalo", "pbx", "sms", "otp_totp", "otp_static"}
# django-otp's field names and its admin's section titles, as its pages would show them untranslated.
OTP_ENGLISH = {
    "User",
    "Name",
    "Confirmed",
    "Digits",
    "Key",
    "Step",
    "T0",
    "Tolerance",
    "Drift",
    "Last t",
    "Token",
    "Device",
    "Created at",
    "Last used at",
    "Throttling failure timestamp",
    "Throttling failure count",
    "Identity",
    "Timestamps",
    "Configuration",
    "State",
    "Throttling",
    "TOTP device",
    "Static device",
    "Static token",
}
# Pages of their own: forms that add or send, and the second sign-in step.
FORMS = [
    "admin:shops_shop_connect",
    "admin:zalo_officialaccount_connect",
    "admin:otp_setup",
    "admin:otp_codes",
]


def english_strings() -> set[str]:
    """Our msgids whose Vietnamese reads differently, long enough to be words (not `OA`, `%s`)."""
    found, same = set(), set()
    for entry in polib.pofile(str(CATALOGUE)):
        text = entry.msgid.strip()
        if entry.msgstr.strip() == text:
            same.add(text)
        elif len(text) > 3 and "%" not in text and any(c.isalpha() for c in text):
            found.update({text, text[0].upper() + text[1:]})  # column titles and labels start with a capital
    return (found - same) | OTP_ENGLISH


class VisibleText(HTMLParser):
    """The texts a person reads: text between tags, titles, placeholders, labels; not scripts, styles, icon names
    (the icon font draws them), literal names in `<code>` (a file's `phone` column) or a text marked as another
    language (the language switcher's `English`)."""

    HIDDEN = {"script", "style", "template", "code"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "value"}

    def __init__(self):
        super().__init__()
        self.texts, self.skipping = [], []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        icon = any(name.startswith("material-symbols") for name in (attributes.get("class") or "").split())
        foreign = attributes.get("lang") not in (None, "vi")
        if (tag in self.HIDDEN or icon or foreign) and tag not in self.VOID:  # a void tag has no end to wait for
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
def pages(db, admin_client, admin_user):
    """A shop with one row of every model, and the URLs of the main pages (as a superuser sees them): the
    dashboard, the reports, every changelist, row's page and add form of our apps, and the forms of their own."""
    shop = make_shop("Cửa hàng dịch thuật")
    for make in FACTORIES.values():
        make(shop)
    urls = [reverse("admin:index"), *(reverse(f"admin:report_{name}") for name in ("calls", "zalo", "consents"))]
    urls += [reverse(name) for name in FORMS]
    request = RequestFactory().get("/")
    request.user = admin_user
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if meta.app_label not in OURS:  # other packages' pages speak their own catalogues
            continue
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk]))
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    # The send forms past their first step (picking a template): the composer with every field.
    zns = ZnsTemplate.objects.order_by("pk").first()
    OfficialAccount.objects.filter(pk=zns.oa_id).update(status=OfficialAccount.Status.CONNECTED)
    sms = SmsTemplate.objects.order_by("pk").first()
    urls += [
        f"{reverse('admin:zalo_message_add')}?template={zns.pk}",
        f"{reverse('admin:sms_smsmessage_add')}?template={sms.pk}",
    ]
    return urls


def test_no_main_page_shows_english_of_ours(admin_client, pages):
    english = english_strings()
    shown = {}
    for url in pages:
        response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code == 200, url
        if "?template=" in url:
            assert b'name="send"' in response.content, url  # the composer, not the template picker
        found = untranslated(response.content.decode(), english)
        if found:
            shown[url] = sorted(found)
    assert shown == {}, "\n".join(f"{url}: {found}" for url, found in shown.items())


def test_the_second_sign_in_step_speaks_vietnamese(client, admin_user):
    """The page a password alone leads to: the code to enter, and its error."""
    enrol(admin_user)
    client.force_login(admin_user)
    english = english_strings()
    page = client.get(reverse("admin:otp_verify"), HTTP_ACCEPT_LANGUAGE="vi")
    wrong = client.post(reverse("admin:otp_verify"), {"code": "000000"}, HTTP_ACCEPT_LANGUAGE="vi")
    assert page.status_code == wrong.status_code == 200
    assert untranslated(page.content.decode(), english) | untranslated(wrong.content.decode(), english) == set()


def test_the_check_finds_english():
    english = english_strings()
    assert untranslated("<p>Highest bar: 5.</p><p>Calls per day</p><td>spent</td>", english) == {
        "Calls per day",
        "spent",
    }
    assert untranslated("<p>Cuộc gọi theo ngày</p><script>var s = 'Calls per day';</script>", english) == set()
    icon_and_language = '<span class="material-symbols-outlined">error</span><option lang="en">English</option>'
    assert untranslated(icon_and_language, english) == set()
    # A checkbox the theme styles with the icon font (`after:material-symbols-outlined`) hides nothing after it.
    checkbox = '<input type="checkbox" class="after:material-symbols-outlined"><label>Sending mode:</label>'
    assert untranslated(checkbox, english) == {"Sending mode"}


def test_codes_on_record_pages_read_as_words(admin_client):
    """eTelecom's codes on a record page: known ones in words, one the console does not know yet as `khác (X)`,
    never bare."""
    from pbx.models import CallRecord
    from zalo.models import Follower, Message, OfficialAccount

    shop = make_shop("Cửa hàng mã")
    call = FACTORIES[CallRecord](shop)
    CallRecord.objects.filter(pk=call.pk).update(call_status="P", call_state="ringing")
    message = FACTORIES[Message](shop)
    Message.objects.filter(pk=message.pk).update(type="template", sending_mode="unknown", status="Q")

    def shown(model, pk):
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
        parser = VisibleText()
        parser.feed(admin_client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode())
        return parser.texts

    texts = shown(CallRecord, call.pk)
    assert "kết nối được" in texts and "khác (ringing)" in texts and "P" not in texts
    texts = shown(Message, message.pk)
    assert {"tin theo mẫu", "không nêu", "khác (Q)"} <= set(texts)
    assert not {"template", "unknown", "Q"} & set(texts)
    with translation.override("vi"):
        follower = Follower(gender="unknown", state="follow")
        assert (follower.get_gender_display(), follower.get_state_display()) == ("không nêu", "đang theo dõi")
    oa = message.oa
    OfficialAccount.objects.filter(pk=oa.pk).update(current_quality="unknown", last_week_quality="HIGH")
    texts = shown(OfficialAccount, oa.pk)
    assert {"chưa được đánh giá", "Cao"} <= set(texts) and not {"unknown", "HIGH"} & set(texts)
