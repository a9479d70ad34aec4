"""Bulk uploads of ZNS sends and consent requests."""

from django.contrib import admin
from django.urls import path

from shops.scoping import ShopFilter
from shops.upload_pages import UploadAdmin

from .. import bulk, views
from ..models import BulkJob


@admin.register(BulkJob)
class BulkJobAdmin(UploadAdmin):
    list_display = ["created_at", "kind", "oa", "file_name", "status_badge", "created_by"]
    list_select_related = ["oa", "oa__shop", "created_by"]
    list_filter = [ShopFilter, "kind", "status"]
    change_list_template = "admin/zalo/bulkjob/change_list.html"
    add_page = staticmethod(views.bulk_upload)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "sample/<str:template_id>/",
                wrap(lambda r, template_id: views.bulk_sample(r, self, template_id)),
                name="zalo_bulkjob_sample",
            ),
            *super().get_urls(),
        ]

    @property
    def result_header(self):
        return bulk.result_header()

    def result_rows(self, job):
        return bulk.result_rows(job)
