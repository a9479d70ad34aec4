"""Manager reports: a date range (local days), a shop filter, tables that export to CSV with the same rows and
columns as the screen, and charts drawn by the theme's Chart.js from JSON in the page (nothing is fetched from the
internet).

Who reads them: Managers and superusers. Support works on shops but does not read reports (403).
Every report reads rollups and OA rows, never the calls, ZNS or requests themselves (see the selectors); the SMS
figures are counted from the SMS by shop and day, an indexed read (sms.selectors says why).

One module per concern: `forms` (the range), `charts` (Chart.js data), `tables` (screen and CSV cells), one per
report (`calls`, `zalo`, `consents`, `messaging`), and `views` (who may read them, and the page)."""

from .views import REPORTS, can_read_reports, page

__all__ = ["REPORTS", "can_read_reports", "page"]
