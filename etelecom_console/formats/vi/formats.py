"""Vietnamese formats over Django's own: numbers grouped by thousands (1.839.200), dates as 01/12/2026 on every
page (the admin's record pages too, which use the long formats)."""

DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
NUMBER_GROUPING = 3
