"""Every user-facing string ships with its Vietnamese translation, and the committed .mo matches the .po."""

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from axes.models import AccessAttempt
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES"
CATALOGUES = [Path(path) / "vi" / "LC_MESSAGES" for path in settings.LOCALE_PATHS]


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_every_message_is_translated(catalogue):
    po = polib.pofile(str(catalogue / "django.po"))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert [e.msgid for e in po.obsolete_entries()] == []


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_the_compiled_catalogue_matches_the_source(catalogue):
    po = polib.pofile(str(catalogue / "django.po"))
    with open(catalogue / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in po.translated_entries():
        if entry.msgid_plural and entry.msgctxt:
            found = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
            assert found == entry.msgstr_plural[0], entry.msgid
        elif entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0], entry.msgid
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr, entry.msgid
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


@pytest.mark.django_db
def test_the_job_admin_speaks_vietnamese(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "Tác vụ thất bại" in page and "Tác vụ theo lịch" in page and "Failed tasks" not in page


@pytest.mark.django_db
def test_the_sign_in_security_admin_speaks_vietnamese(admin_client):
    """django-axes ships no Vietnamese: locale-axes/ gives its models and columns, AxesConfig its menu name."""
    page = admin_client.get("/admin/").content.decode()
    assert "Bảo mật đăng nhập" in page and "Lần thử đăng nhập" in page
    assert "Access attempts" not in page and ">Axes<" not in page
    AccessAttempt.objects.create(username="khach", ip_address="203.0.113.9", failures_since_start=3)
    listing = admin_client.get("/admin/axes/accessattempt/").content.decode()
    assert "Địa chỉ IP" in listing and "IP Address" not in listing


@pytest.mark.django_db
def test_the_theme_speaks_vietnamese(admin_client):
    """django-unfold ships no Vietnamese: locale-unfold/ gives the strings Django's own catalogue lacks."""
    listing = admin_client.get("/admin/shops/syncrun/").content.decode()
    assert "Bộ lọc" in listing and "Áp dụng bộ lọc" in listing
    assert "Filters" not in listing and "Apply Filters" not in listing


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_the_catalogue_lists_every_string_in_the_code(tmp_path):
    """makemessages over a copy of the tree finds no string the committed catalogue lacks."""
    root = Path(settings.BASE_DIR)
    ignore = shutil.ignore_patterns(".*", "__pycache__", "staticfiles", "test-output", "*.sqlite3*")
    for name in ("etelecom", "etelecom_console", "shops", "zalo", "pbx", "sms", "templates", "locale", "manage.py"):
        source = root / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=ignore)
        else:
            shutil.copy(source, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "vi", "--no-location", "--no-obsolete"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    fresh = {e.msgid for e in polib.pofile(str(tmp_path / "locale/vi/LC_MESSAGES/django.po"))}
    committed = {e.msgid for e in polib.pofile(str(CATALOGUE / "django.po"))}
    assert fresh - committed == set(), "run `make messages` and translate the new strings"
