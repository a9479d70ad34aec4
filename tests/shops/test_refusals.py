"""eTelecom's refusals in words, by error code and call, in Vietnamese and English, with eTelecom's own code and
message in brackets, and never a secret address."""

import pytest
from django.utils import translation

from etelecom import errors
from shops.common.refusals import REFUSALS, REFUSALS_BY_CALL, as_html, describe_error, split


def refusal(kind=errors.AlreadyExists, msg="extension 105 already exists", **kwargs):
    fields = {"code": "already_exists", "status": 409, "method": "Etelecom/CreateExtension", **kwargs}
    return kind(msg, **fields)


def test_a_refusal_of_a_call_has_its_own_sentence():
    with translation.override("vi"):
        text = describe_error(refusal())
    assert text == (
        "Số máy nhánh này đã được dùng. Hãy chọn số khác. "
        "[Etelecom/CreateExtension 409 already_exists: extension 105 already exists]"
    )


def test_the_same_code_elsewhere_has_the_codes_sentence():
    with translation.override("vi"):
        text = describe_error(refusal(msg="x", method="Zalo/ConnectOA"))
    assert text.startswith("Mục này đã có trên eTelecom.")


def test_a_quota_refusal_says_what_to_do():
    exc = refusal(errors.ResponseError, "the OA's daily ZNS quota is used up", code="failed_precondition", status=400)
    with translation.override("en"):
        assert describe_error(exc).startswith("eTelecom cannot do this")  # the code's sentence for another call
    exc.method = "Zalo/SendZNS"
    with translation.override("vi"):
        assert "hết hạn mức ZNS hôm nay" in describe_error(exc)


@pytest.mark.parametrize(
    ("exc", "english"),
    [
        (errors.RequestTimeout(method="Zalo/SendZNS"), "did not answer in time"),
        (errors.ConnectionFailed(method="Shop/CurrentShop"), "could not be reached"),
        (errors.InvalidResponse("<html>", status=502, method="Shop/CurrentShop"), "had a problem"),
        (errors.ServerError("boom", code="some_new_code", status=500, method="Shop/CurrentShop"), "had a problem"),
    ],
)
def test_failures_without_a_known_code_still_read_well(exc, english):
    with translation.override("en"):
        assert english in describe_error(exc)


def test_every_sentence_is_translated():
    for text in [*REFUSALS.values(), *REFUSALS_BY_CALL.values()]:
        with translation.override("en"):
            english = str(text)
        with translation.override("vi"):
            assert str(text) != english, english


def test_a_hostile_message_is_cut_short_and_hides_addresses():
    secret = "https://console.example.vn/webhooks/etelecom/s3cr3t-path-token/"
    exc = refusal(errors.InvalidArgument, f"bad url {secret} " + "x" * 500, code="invalid_argument", status=400)
    text = describe_error(exc)
    assert "s3cr3t" not in text and "https://console.example.vn/…" in text
    assert len(text) < 400


def test_pages_show_the_reference_in_small_print_after_the_sentence():
    with translation.override("vi"):
        text = describe_error(refusal())
    assert split(text) == (
        "Số máy nhánh này đã được dùng. Hãy chọn số khác.",
        "[Etelecom/CreateExtension 409 already_exists: extension 105 already exists]",
    )
    assert as_html(text) == (
        'Số máy nhánh này đã được dùng. Hãy chọn số khác. <small class="refusal-reference">'
        "[Etelecom/CreateExtension 409 already_exists: extension 105 already exists]</small>"
    )
    assert as_html("The form is out of date.") == "The form is out of date."


def test_a_hostile_message_in_the_reference_is_escaped():
    text = describe_error(refusal(msg='<script>alert(1)</script> "x" [y]'))
    html = as_html(text)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<small") == 1 and html.endswith("</small>")
    assert as_html("<b>not a refusal</b>") == "&lt;b&gt;not a refusal&lt;/b&gt;"


def test_the_filter_keeps_safe_messages_and_splits_plain_ones():
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.utils.html import format_html

    from shops.templatetags.refusals import refusal as shown

    linked = format_html('<a href="{}">{}</a>', "/admin/", "run")
    assert shown(Message(constants.INFO, linked)) == linked
    plain = shown(Message(constants.ERROR, "Shop A: " + describe_error(refusal())))
    assert plain.startswith("Shop A: ") and '<small class="refusal-reference">[Etelecom/CreateExtension' in plain
