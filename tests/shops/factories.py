"""Rows of every shop-owned model for a given shop, for the scoping tests. A new shop-owned model needs an entry
here: the scoping test fails for a registered model it cannot build."""

from datetime import date

from django.utils import timezone

from pbx.models import CallDaily, CallRecord, Extension, Hotline, PbxUser, Tenant
from shops.models import ApiCall, Shop, ShopMembership, SyncRun, WebhookEvent
from sms.models import SmsAccount, SmsBulkJob, SmsMessage, SmsTemplate
from zalo.models import (
    BulkJob,
    Consent,
    ConversationMessage,
    Follower,
    Journey,
    Message,
    OASnapshot,
    OfficialAccount,
    ZnsTemplate,
)

_counter = iter(range(1, 10**6))


def make_shop(name: str, **fields) -> Shop:
    shop = Shop(name=name, etelecom_id=str(1_000_000 + next(_counter)), connection=Shop.Connection.PARTNER, **fields)
    shop.set_credential(f"shop{shop.etelecom_id}:secret-{name}")
    shop.save()
    return shop


def _membership(shop):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(f"member-{next(_counter)}")
    return ShopMembership.objects.create(shop=shop, user=user)


def make_oa(shop: Shop, **fields) -> OfficialAccount:
    fields.setdefault("name", f"OA {shop.name}")
    return OfficialAccount.objects.create(shop=shop, oa_id=str(4_000_000 + next(_counter)), **fields)


def make_hotline(shop: Shop) -> Hotline:
    return Hotline.objects.create(shop=shop, etelecom_id=str(next(_counter)), hotline=f"028{next(_counter):07d}")


def make_extension(shop: Shop) -> Extension:
    return Extension.objects.create(
        shop=shop,
        etelecom_id=str(next(_counter)),
        extension_number=str(100 + next(_counter)),
        hotline=make_hotline(shop),
    )


def make_call(shop: Shop) -> CallRecord:
    return CallRecord.objects.create(
        shop=shop,
        etelecom_id=str(next(_counter)),
        direction="in",
        call_state="answered",
        caller="0912345678",
        callee="02800000001",
        extension=make_extension(shop),
        started_at=timezone.now(),
        started_day=timezone.localdate(),
        duration=42,
    )


def make_sms_account(shop: Shop) -> SmsAccount:
    account = SmsAccount(shop=shop, username=f"sms{shop.etelecom_id}", status="valid")
    account.password = f"sms-secret-{shop.name}"
    account.save()
    return account


def make_sms_template(shop: Shop) -> SmsTemplate:
    return SmsTemplate.objects.create(
        shop=shop, code=f"OTP{next(_counter)}", name="Mã OTP", params=["otp"], content="Ma OTP: {otp}", price=800
    )


FACTORIES = {
    Shop: lambda shop: shop,
    ShopMembership: _membership,
    ApiCall: lambda shop: ApiCall.objects.create(
        shop=shop, method="Shop/CurrentShop", status=200, duration_ms=5, created_at=timezone.now()
    ),
    SyncRun: lambda shop: SyncRun.objects.create(shop=shop, kind="credential_check"),
    WebhookEvent: lambda shop: WebhookEvent.objects.create(
        shop=shop, kind="call_log", dedupe_key=str(next(_counter)), body={"shop": shop.name}, status="unknown"
    ),
    OfficialAccount: make_oa,
    OASnapshot: lambda shop: OASnapshot.objects.create(oa=make_oa(shop), taken_at=timezone.now()),
    Follower: lambda shop: Follower.objects.create(
        oa=make_oa(shop), etelecom_id=str(next(_counter)), full_name="Khách", synced_at=timezone.now()
    ),
    Consent: lambda shop: Consent.objects.create(
        oa=make_oa(shop),
        etelecom_id=str(next(_counter)),
        phone="0912345678",
        call_type="audio",
        reason_code="update_order",
        reply_status="P",
        day=timezone.localdate(),
        synced_at=timezone.now(),
    ),
    ConversationMessage: lambda shop: ConversationMessage.objects.create(
        oa=make_oa(shop),
        msg_id=str(next(_counter)),
        direction="in",
        zl_user_id="88001",
        kind="text",
        sent_at=timezone.now(),
    ),
    ZnsTemplate: lambda shop: ZnsTemplate.objects.create(
        oa=make_oa(shop), template_id=next(_counter), name="Mẫu", status="ENABLE", synced_at=timezone.now()
    ),
    Message: lambda shop: Message.objects.create(
        oa=make_oa(shop), tracking_id=str(next(_counter)), phone="0912345678", day=timezone.localdate()
    ),
    Journey: lambda shop: Journey.objects.create(
        oa=make_oa(shop), etelecom_id=str(next(_counter)), journey_id="j", phone="0912345678", synced_at=timezone.now()
    ),
    BulkJob: lambda shop: BulkJob.objects.create(kind="consent", oa=make_oa(shop), file_name="khach.csv"),
    Tenant: lambda shop: Tenant.objects.create(shop=shop, etelecom_id=str(next(_counter)), name=f"Tổng đài {shop}"),
    Hotline: make_hotline,
    PbxUser: lambda shop: PbxUser.objects.create(shop=shop, etelecom_id=str(next(_counter)), full_name="Nhân viên"),
    Extension: make_extension,
    CallRecord: make_call,
    CallDaily: lambda shop: CallDaily.objects.create(
        shop=shop,
        day=date(2026, 11, 1),
        direction="in",
        call_state="answered",
        calls=3,
        total_duration=90,
        max_duration=60,
    ),
    SmsAccount: make_sms_account,
    SmsTemplate: make_sms_template,
    SmsMessage: lambda shop: SmsMessage.objects.create(
        shop=shop,
        template=make_sms_template(shop),
        template_code="OTP",
        phone="0912345678",
        params={"otp": "123456"},
        send_state="sent",
        omni_id=f"ICOMNI{next(_counter):030d}",
        status="PROCESSING",
        day=timezone.localdate(),
    ),
    SmsBulkJob: lambda shop: SmsBulkJob.objects.create(
        shop=shop, template=make_sms_template(shop), file_name="sms.csv"
    ),
}
