"""The one refusal: the sentence for the person, eTelecom's code and error, shown after what it was about."""

from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from etelecom import AuthenticationError, RateLimited
from shops.common.refusals import describe_error
from shops.errors import Refused, show


def test_a_refusal_carries_the_sentence_the_code_and_the_error():
    error = RateLimited("too many", code="resource_exhausted", status=429, method="Zalo/SendZNS")
    refused = Refused.of(error)
    assert (str(refused), refused.code, refused.error) == (describe_error(error), "resource_exhausted", error)
    assert str(Refused.of(error, "Try again in a minute.")) == "Try again in a minute."
    assert (Refused("No account.").code, Refused("No account.").error) == ("", None)


def test_show_puts_the_sentence_after_what_it_was_about():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    show(request, Refused.of(AuthenticationError("bad key", status=401)), "0901234567")
    show(request, Refused("No account."))
    shown = [str(message) for message in get_messages(request)]
    assert shown[0].startswith("0901234567: ") and "bad key" not in shown[0].split(": ", 1)[0]
    assert shown[1] == "No account."
