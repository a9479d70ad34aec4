"""Changelists over big tables: a count that never scans the whole table, and a date-range filter on an indexed
column (Django's `date_hierarchy` runs a DISTINCT over the table on every page; FIELD-NOTES)."""

from datetime import date, datetime, time, timedelta

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.paginator import Paginator
from django.db import connections
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

# Rows a filtered count reads at most; the page links stop there ("narrow the filter" beyond).
COUNT_CAP = 10_000


class EstimatedCountPaginator(Paginator):
    """Counts with a ceiling: the unfiltered count of a PostgreSQL table is the planner's estimate
    (`pg_class.reltuples`); any other count reads at most COUNT_CAP + 1 rows."""

    @cached_property
    def count(self):
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
                )
                row = cursor.fetchone()
            if row and row[0] > COUNT_CAP:
                return row[0]
        return queryset.order_by()[: COUNT_CAP + 1].count()


class DateRangeFilter(admin.ListFilter):
    """`<parameter_name>_from` and `_to` (YYYY-MM-DD, local days, both included) on `field_name`, an indexed
    datetime column."""

    template = "admin/console/date_range_filter.html"
    parameter_name = ""
    field_name = ""

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        for name in self.expected_parameters():
            if name in params:
                value = params.pop(name)
                self.used_parameters[name] = value[-1] if isinstance(value, list) else value

    def expected_parameters(self):
        return [f"{self.parameter_name}_from", f"{self.parameter_name}_to"]

    def has_output(self):
        return True

    def _day(self, name: str) -> date | None:
        value = self.used_parameters.get(name) or ""
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise IncorrectLookupParameters(_("Dates are written YYYY-MM-DD.")) from None

    def queryset(self, request, queryset):
        first, last = (self._day(name) for name in self.expected_parameters())
        zone = timezone.get_current_timezone()
        if first:
            queryset = queryset.filter(**{f"{self.field_name}__gte": datetime.combine(first, time.min, zone)})
        if last:
            end = datetime.combine(last + timedelta(days=1), time.min, zone)
            queryset = queryset.filter(**{f"{self.field_name}__lt": end})
        return queryset

    def choices(self, changelist):
        names = self.expected_parameters()
        yield {
            "from_name": names[0],
            "to_name": names[1],
            "from_value": self.used_parameters.get(names[0], ""),
            "to_value": self.used_parameters.get(names[1], ""),
            "others": [(k, v) for k, v in changelist.get_filters_params().items() if k not in names],
            "query": changelist.query,
            "clear_url": changelist.get_query_string(remove=names),
        }
