"""The one refusal: eTelecom (or the console on its behalf) would not do what a person asked.

Services raise `Refused` with the sentence for that person and eTelecom's code; admin actions and views show it
with `show` (or as a form error), bulk runs read its `error` (hold rows on a 429, stop on a 401).
"""

from __future__ import annotations

from django.contrib import messages

from etelecom import EtelecomError

from .common.refusals import describe_error


class Refused(Exception):
    """`str()` is the sentence for the person who tried; `code` eTelecom's code when it gave one; `error` the
    eTelecom error itself, when there was one."""

    def __init__(self, sentence: str, code: str = "", *, error: EtelecomError | None = None):
        super().__init__(sentence)
        self.code = code
        self.error = error

    @classmethod
    def of(cls, exc: EtelecomError, sentence: str = "") -> Refused:
        """The refusal for an eTelecom error: its readable sentence (or `sentence`), its code, the error."""
        return cls(sentence or describe_error(exc), exc.code, error=exc)


def show(request, exc: Refused, about=None) -> None:
    """Show a refusal on the next admin page, after what it was about (a shop, a phone) when several were tried."""
    messages.error(request, f"{about}: {exc}" if about is not None else str(exc))
