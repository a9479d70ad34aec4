"""The call rollups the reports read: per local day, per hour of day and per month, recounted from the call records
(`pbx.rollups`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shops.models import Shop

from .calls import CallRecord


class CallDaily(models.Model):
    """Calls per shop, local day, direction, state, extension, hotline and user: what call reports read."""

    shop_lookup = "shop"
    support_read_only = True

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="call_days", verbose_name=_("shop"), db_index=False
    )
    day = models.DateField(_("day"))
    direction = models.CharField(_("direction"), max_length=8, choices=CallRecord.Direction.choices)
    call_state = models.CharField(_("state"), max_length=16, choices=CallRecord.CallState.choices)
    extension_etelecom_id = models.CharField(_("extension id"), max_length=32, blank=True)
    hotline_etelecom_id = models.CharField(_("hotline id"), max_length=32, blank=True)
    user_etelecom_id = models.CharField(_("user id"), max_length=32, blank=True)
    calls = models.PositiveIntegerField(_("calls"))
    total_duration = models.PositiveBigIntegerField(_("total duration (s)"))
    max_duration = models.PositiveIntegerField(_("longest (s)"))

    class Meta:
        verbose_name = _("daily call count")
        verbose_name_plural = _("daily call counts")
        ordering = ["-day", "shop", "direction", "call_state"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "shop",
                    "day",
                    "direction",
                    "call_state",
                    "extension_etelecom_id",
                    "hotline_etelecom_id",
                    "user_etelecom_id",
                ],
                name="call_daily_unique",
            )
        ]
        # Reports read a range of days over all of a user's shops: without it, every report read the whole table
        # (413,000 rows at 10M calls).
        indexes = [models.Index(fields=["day"], name="call_daily_day")]

    def __str__(self):
        return f"{self.day} {self.direction}/{self.call_state}: {self.calls}"


class CallShopDaily(models.Model):
    """`CallDaily` summed by shop and day, without the lines: the calls report's days (and weekdays and total) read
    one row a shop and day, already split into the figures it shows, instead of one for every direction, state and
    line (a year read 138,000 daily rows at 10M calls). Refreshed with `CallDaily`, in the same transaction."""

    shop_lookup = "shop"
    support_read_only = True

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="call_shop_days", verbose_name=_("shop"), db_index=False
    )
    day = models.DateField(_("day"))
    calls = models.PositiveIntegerField(_("calls"))
    answered_calls = models.PositiveIntegerField(_("answered"))
    inbound_calls = models.PositiveIntegerField(_("inbound"))
    outbound_calls = models.PositiveIntegerField(_("outbound"))
    total_duration = models.PositiveBigIntegerField(_("total duration (s)"))

    class Meta:
        verbose_name = _("daily call count of a shop")
        verbose_name_plural = _("daily call counts of shops")
        ordering = ["-day", "shop"]
        constraints = [models.UniqueConstraint(fields=["shop", "day"], name="call_shop_daily_unique")]

    def __str__(self):
        return f"{self.day}: {self.calls}"


class CallHourly(models.Model):
    """Calls per shop, local day, local hour, direction and state: the hour-of-day table of the calls report.
    Refreshed with `CallDaily`, in the same transaction."""

    shop_lookup = "shop"
    support_read_only = True

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="call_hours", verbose_name=_("shop"), db_index=False
    )
    day = models.DateField(_("day"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    direction = models.CharField(_("direction"), max_length=8, choices=CallRecord.Direction.choices)
    call_state = models.CharField(_("state"), max_length=16, choices=CallRecord.CallState.choices)
    calls = models.PositiveIntegerField(_("calls"))
    total_duration = models.PositiveBigIntegerField(_("total duration (s)"))

    class Meta:
        verbose_name = _("hourly call count")
        verbose_name_plural = _("hourly call counts")
        ordering = ["-day", "hour", "shop"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "hour", "direction", "call_state"], name="call_hourly_unique"
            )
        ]
        indexes = [models.Index(fields=["day"], name="call_hourly_day")]

    def __str__(self):
        return f"{self.day} {self.hour:02d}h {self.direction}/{self.call_state}: {self.calls}"


class CallMonthly(models.Model):
    """`CallDaily` summed by local month (`month` is its first day): a report over a year reads a row a month for
    each line instead of one a day. Refreshed with `CallDaily`, in the same transaction."""

    shop_lookup = "shop"
    support_read_only = True

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="call_months", verbose_name=_("shop"), db_index=False
    )
    month = models.DateField(_("month"))
    direction = models.CharField(_("direction"), max_length=8, choices=CallRecord.Direction.choices)
    call_state = models.CharField(_("state"), max_length=16, choices=CallRecord.CallState.choices)
    extension_etelecom_id = models.CharField(_("extension id"), max_length=32, blank=True)
    hotline_etelecom_id = models.CharField(_("hotline id"), max_length=32, blank=True)
    user_etelecom_id = models.CharField(_("user id"), max_length=32, blank=True)
    calls = models.PositiveIntegerField(_("calls"))
    total_duration = models.PositiveBigIntegerField(_("total duration (s)"))

    class Meta:
        verbose_name = _("monthly call count")
        verbose_name_plural = _("monthly call counts")
        ordering = ["-month", "shop", "direction", "call_state"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "shop",
                    "month",
                    "direction",
                    "call_state",
                    "extension_etelecom_id",
                    "hotline_etelecom_id",
                    "user_etelecom_id",
                ],
                name="call_monthly_unique",
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.direction}/{self.call_state}: {self.calls}"


class CallMonthlyHour(models.Model):
    """`CallHourly` summed by local month (`month` is its first day): the hour-of-day table of a year's calls
    report reads 24 rows a month for each direction and state instead of 24 a day (600,000 rows at 10M calls).
    Refreshed with `CallHourly`, in the same transaction."""

    shop_lookup = "shop"
    support_read_only = True

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="call_month_hours", verbose_name=_("shop"), db_index=False
    )
    month = models.DateField(_("month"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    direction = models.CharField(_("direction"), max_length=8, choices=CallRecord.Direction.choices)
    call_state = models.CharField(_("state"), max_length=16, choices=CallRecord.CallState.choices)
    calls = models.PositiveIntegerField(_("calls"))
    total_duration = models.PositiveBigIntegerField(_("total duration (s)"))

    class Meta:
        verbose_name = _("monthly call count by hour")
        verbose_name_plural = _("monthly call counts by hour")
        ordering = ["-month", "hour", "shop"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "month", "hour", "direction", "call_state"], name="call_monthly_hour_unique"
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.hour:02d}h {self.direction}/{self.call_state}: {self.calls}"
