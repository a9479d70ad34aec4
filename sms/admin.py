from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shops import formats
from shops.admin import queue_runs
from shops.common.display import badge
from shops.common.listing import DateRangeFilter, EstimatedCountPaginator
from shops.common.phones import PhoneSearch
from shops.scoping import MirroredAdmin, ShopFilter, ShopScopedAdmin
from shops.upload_pages import UploadAdmin

from . import badges, bulk, views
from .forms import TemplateForm
from .models import SmsAccount, SmsBulkJob, SmsMessage, SmsTemplate


@admin.register(SmsAccount)
class SmsAccountAdmin(MirroredAdmin):
    list_display = ["shop", "username", "password_hint", "status_badge", "checked_at", "check_error"]
    list_select_related = ["shop"]
    list_filter = [ShopFilter, "status"]
    add_page = staticmethod(views.account_enter)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, account):
        return badge(account.status, badges.ACCOUNT, account.get_status_display())


@admin.register(SmsTemplate)
class SmsTemplateAdmin(ShopScopedAdmin):
    form = TemplateForm
    list_display = ["code", "name", "shop", "parameters", "price", "is_active"]
    list_select_related = ["shop"]
    list_filter = [ShopFilter, "is_active"]
    search_fields = ["=code", "name"]

    @admin.display(description=_("parameters"))
    def parameters(self, template):
        return ", ".join(template.params) or "-"


class SentFilter(DateRangeFilter):
    title = _("sent")
    parameter_name = "sent"
    field_name = "created_at"


@admin.register(SmsMessage)
class SmsMessageAdmin(PhoneSearch, MirroredAdmin):
    list_display = ["sent", "phone", "shop", "template_code", "route", "send", "status_badge", "channel", "mtcount"]
    list_select_related = ["shop"]
    list_filter = [ShopFilter, "send_state", "status", "route", "channel", SentFilter]
    search_fields = ["phone"]
    other_search_field = "omni_id"
    search_help_text = _("The customer's whole phone number, or the gateway's message id.")
    actions = ["check_now"]
    add_page = staticmethod(views.sms_send)
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    @admin.display(description=_("sent"), ordering="created_at")
    def sent(self, message):
        return formats.moment(message.created_at, seconds=True)

    @admin.display(description=_("send"), ordering="send_state")
    def send(self, message):
        return badge(message.send_state, badges.SEND, message.get_send_state_display())

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, message):
        if not message.status:
            return "-"
        label = message.get_status_display()
        if message.fell_back:
            label = _("%(status)s after ZNS failed") % {"status": label}
        return badge(message.status, badges.STATUS, label)

    @admin.action(description=_("Check the status with the gateway now"), permissions=["change"])
    def check_now(self, request, queryset):
        queue_runs(request, {m.shop for m in queryset.select_related("shop")}, "sms_status")


@admin.register(SmsBulkJob)
class SmsBulkJobAdmin(UploadAdmin):
    list_display = ["created_at", "shop", "template", "route", "file_name", "status_badge", "created_by"]
    list_select_related = ["shop", "template", "created_by"]
    list_filter = [ShopFilter, "status"]
    add_page = staticmethod(views.bulk_upload)

    @property
    def result_header(self):
        return bulk.result_header()

    def result_rows(self, job):
        return bulk.result_rows(job)
