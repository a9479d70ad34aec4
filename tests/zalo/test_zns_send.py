"""Sending a ZNS from the admin: one field per template parameter, a preview, a test send, and a send that
eTelecom's lost answers never turn into a second message."""

import time

import pytest
from django.urls import reverse

from etelecom import webhook as webhook_api
from etelecom import zalo as zalo_api
from etelecom.client import Client
from shops import syncing
from shops.roles import SUPPORT
from zalo import services
from zalo.models import Journey, Message, OfficialAccount, ZnsDaily, ZnsTemplate

SHOP = "Nhà thuốc An Khang Quận 1"
DATA = {"param_customer_name": "Nguyễn Văn An", "param_order_code": "DH-1001"}


@pytest.fixture
def template(shops, sandbox):
    sandbox.control.zns(consent_reply_seconds=0.05, delivery_seconds=0.05)
    shop = shops[SHOP]
    syncing.run_now("oa_sync", services.oa_sync_work, shop=shop)
    syncing.run_now("template_sync", services.templates_sync_work, shop=shop)
    oa = OfficialAccount.objects.get(shop=shop, name__endswith="Chăm sóc khách hàng")
    return ZnsTemplate.objects.get(oa=oa, template_id=410001)


@pytest.fixture
def support_client(client, make_user, template):
    client.force_login(make_user("hotro-gui", SUPPORT, shops=[template.oa.shop]))
    return client


def send_url(template):
    return reverse("admin:zalo_message_add") + f"?template={template.pk}"


def test_the_form_has_a_field_per_parameter_and_previews_without_sending(support_client, template, sandbox):
    picker = support_client.get(reverse("admin:zalo_message_add"))
    assert template in picker.context["pick"].fields["template"].queryset
    assert not picker.context["pick"].fields["template"].queryset.filter(template_id=410009).exists()
    page = support_client.get(send_url(template))
    assert {"param_customer_name", "param_order_code", "param_note"} <= set(page.context["form"].fields)
    sandbox.control.clear_requests()
    preview = support_client.post(send_url(template), {"phone": "0912000001", **DATA, "preview": "1"})
    lines = {line["name"]: (line["label"], line["value"]) for line in preview.context["preview"]}
    assert lines == {
        "customer_name": ("Customer name", "Nguyễn Văn An"),
        "order_code": ("Order code", "DH-1001"),
        "note": ("Note", ""),
    }
    assert preview.context["previewed"] and "Nguyễn Văn An" in preview.content.decode()
    assert sandbox.control.received("Zalo/SendZNS") == 0 and not Message.objects.exists()


def test_the_composer_shows_choices_by_oa_limits_and_cost_before_sending(support_client, template):
    picker = support_client.get(reverse("admin:zalo_message_add"), HTTP_ACCEPT_LANGUAGE="vi")
    groups = [label for label, _choices in picker.context["pick"].fields["template"].choices if label]
    oa = template.oa
    assert f"{oa.shop.name} · {oa.name} (còn {oa.remaining_quota} trên {oa.daily_quota} ZNS hôm nay)" in groups
    options = dict(picker.context["pick"].fields["template"].choices)[groups[0]]
    assert all(" – " not in str(label) and "\u00a0₫" in str(label) for _value, label in options)
    page = support_client.get(send_url(template))
    field = page.context["form"].fields["param_order_code"]
    assert field.label == "Order code" and field.help_text == "Text, 1 to 20 characters, required"
    assert field.widget.attrs["data-limit"] == 20
    cost = page.context["cost"]
    assert cost["price"] == f"{template.price}\u00a0₫" and cost["oa_left"] == str(oa.remaining_quota)
    html = page.content.decode()
    assert 'data-count-for="id_param_order_code"' in html and 'data-preview-for="order_code"' in html


def test_parameters_are_checked_before_anything_is_sent(support_client, template, sandbox):
    sandbox.control.clear_requests()
    too_long = {**DATA, "param_order_code": "X" * 21}
    page = support_client.post(send_url(template), {"phone": "0912000001", **too_long, "send": "1"})
    assert page.context["form"].errors["param_order_code"]
    missing = support_client.post(send_url(template), {"phone": "0912000001", "send": "1"})
    assert missing.context["form"].errors["param_customer_name"]
    assert sandbox.control.received("Zalo/SendZNS") == 0


def test_a_send_is_stored_with_its_tracking_id_and_delivered(support_client, template, sandbox):
    page = support_client.post(send_url(template), {"phone": "84912000001", **DATA, "send": "1"}, follow=True)
    message = Message.objects.get()
    assert (message.send_state, message.phone, message.is_charged, message.fee_main) == (
        "sent",
        "0912000001",
        True,
        300,
    )
    assert (
        message.tracking_id
        and message.etelecom_id
        and "ZNS sent to 0912000001" in str(list(page.context["messages"])[0])
    )
    time.sleep(0.2)
    syncing.run_now("message_sync", services.messages_sync_work, shop=template.oa.shop)
    message.refresh_from_db()
    assert message.delivery_status == "received" and Message.objects.count() == 1


def test_a_test_send_is_free(support_client, template):
    support_client.post(send_url(template), {"phone": "0912000001", **DATA, "development": "on", "send": "1"})
    message = Message.objects.get()
    assert message.is_development and not message.is_charged and message.fee_main == 0


@pytest.mark.parametrize("fault", ["5xx", "hang", "error200", "malformed"])
def test_a_lost_answer_is_settled_by_reading_back_and_never_sent_twice(
    support_client, template, sandbox, settings, fault
):
    settings.ETELECOM_TIMEOUT = (2, 0.5)
    sandbox.control.faults(next=[fault], phase="after", methods=["Zalo/SendZNS"], hang_seconds=1)
    page = support_client.post(send_url(template), {"phone": "0912000001", **DATA, "send": "1"}, follow=True)
    message = Message.objects.get()
    assert message.send_state == "sent" and message.etelecom_id  # found by its tracking id
    assert sandbox.control.received("Zalo/SendZNS") == 1
    assert len(sandbox.control.zns()["messages"]) == 1
    assert "ZNS sent" in str(list(page.context["messages"])[0])


def test_a_send_etelecom_never_got_stays_unconfirmed_then_is_settled(support_client, template, sandbox, settings):
    settings.ETELECOM_TIMEOUT = (2, 0.5)
    sandbox.control.faults(next=["hang"], phase="before", methods=["Zalo/SendZNS"], hang_seconds=1)
    page = support_client.post(send_url(template), {"phone": "0912000001", **DATA, "send": "1"}, follow=True)
    message = Message.objects.get()
    assert message.send_state == "unconfirmed" and "do not send it again" in str(list(page.context["messages"])[0])
    # The page says one thing: it may have gone, do not send it again; never "try again later".
    message.refresh_from_db()
    assert "Do not send it again" in message.error_message and "Try again" not in message.error_message
    assert "Try again" not in page.content.decode()
    Message.objects.filter(pk=message.pk).update(created_at=message.created_at - services.UNCONFIRMED_AFTER)
    syncing.run_now("message_sync", services.messages_sync_work, shop=template.oa.shop)
    message.refresh_from_db()
    assert message.send_state == "failed"
    assert sandbox.control.received("Zalo/SendZNS") == 1 and sandbox.control.zns()["messages"] == []


def test_an_error_in_a_200_before_the_send_leaves_it_unconfirmed_not_refused(support_client, template, sandbox):
    sandbox.control.faults(next=["error200"], methods=["Zalo/SendZNS"])
    support_client.post(send_url(template), {"phone": "0912000001", **DATA, "send": "1"}, follow=True)
    assert Message.objects.get().send_state == "unconfirmed"
    assert sandbox.control.zns()["messages"] == []


def test_a_rate_limited_send_is_not_sent_and_says_to_try_again(support_client, template, sandbox):
    sandbox.control.faults(next=["429"], methods=["Zalo/SendZNS"])
    page = support_client.post(send_url(template), {"phone": "0912000001", **DATA, "send": "1"})
    assert "slow down" in page.context["form"].non_field_errors()[0]
    assert Message.objects.get().send_state == "failed" and sandbox.control.zns()["messages"] == []


def test_a_refused_send_is_a_form_error(support_client, template, sandbox):
    spent = template.oa
    sandbox.control.update_oa(spent.oa_id, remaining_quota=0)
    page = support_client.post(send_url(template), {"phone": "0912000001", **DATA, "send": "1"})
    assert "quota" in page.context["form"].non_field_errors()[0]
    assert Message.objects.get().send_state == "failed"


def test_a_send_past_the_quota_asks_for_tag3_which_only_a_whitelisted_oa_gets(support_client, template, sandbox):
    sandbox.control.update_oa(template.oa.oa_id, remaining_quota=0)
    form = {"phone": "0912000001", **DATA, "send": "1", "sending_mode": "tag3"}
    refused = support_client.post(send_url(template), form)
    assert "whitelist" in refused.context["form"].non_field_errors()[0]
    assert Message.objects.get().send_state == "failed"
    sandbox.control.update_oa(template.oa.oa_id, tag3_whitelisted=True)
    sent = support_client.post(send_url(template), form)
    assert sent.status_code == 302
    message = Message.objects.get(send_state="sent")
    assert message.sending_mode == "tag3"


def test_a_journey_send_has_no_sending_mode(support_client, template, sandbox):
    journey = services.journey_create(oa=template.oa, user=None, phone="0912000001", token_type="")
    form = {"phone": "0912000001", **DATA, "send": "1", "sending_mode": "tag3", "journey": journey.pk}
    page = support_client.post(send_url(template), form)
    assert page.context["form"].errors["sending_mode"]


def test_a_message_etelecom_lists_with_84_is_stored_and_found_as_0(support_client, template, sandbox):
    """eTelecom keeps a phone as it was sent: one another system sent as 84… is stored in the console's one form,
    so the admin's search by any form finds it."""
    from etelecom import Client, zns

    record = sandbox.shop(SHOP)
    zns.send_zns(
        Client(sandbox.partner_base_url, record["shop_key"]),
        oa_id=template.oa.oa_id,
        phone="84912000002",
        template_id=410001,
        template_data={"customer_name": "An", "order_code": "A1"},
        tracking_id="from-another-system",
    )
    syncing.run_now("message_sync", services.messages_sync_work, shop=template.oa.shop)
    assert Message.objects.get(tracking_id="from-another-system").phone == "0912000002"
    found = support_client.get(reverse("admin:zalo_message_changelist"), {"q": "+84 912 000 002"})
    assert [m.tracking_id for m in found.context["cl"].result_list] == ["from-another-system"]


def test_a_delivery_webhook_updates_the_message(support_client, template, sandbox, client):
    """The receipt in Zalo's shape (to the OA's URL) and the record in eTelecom's `zl_oa_message` envelope."""
    shop = template.oa.shop
    shop_client = Client(sandbox.partner_base_url, shop.credential)
    zalo_api.update_shop_oa(shop_client, oa_id=template.oa.oa_id, webhook_url=f"{sandbox.url}/_sandbox/health")
    webhook_api.create_webhook(shop_client, url=f"{sandbox.url}/_sandbox/health")
    support_client.post(send_url(template), {"phone": "0912000001", **DATA, "send": "1"})
    [receipt] = sandbox.control.posted("user_received_message")
    [record] = sandbox.control.posted("zl_oa_message")
    url = reverse("etelecom_webhook", args=[shop.webhook_secret])
    answer = client.post(url, receipt, content_type="application/json")
    assert answer.json()["status"] == "processed"
    message = Message.objects.get()
    assert (message.delivery_status, message.tracking_id) == ("received", receipt["message"]["tracking_id"])
    assert ZnsDaily.objects.get(oa=template.oa).delivered == 1
    answer = client.post(url, record, content_type="application/json")
    assert answer.json()["status"] == "processed" and Message.objects.count() == 1


def test_a_journey_token_is_created_and_carries_a_send_to_its_phone(support_client, template, sandbox):
    page = support_client.post(
        reverse("admin:zalo_journey_add"),
        {"oa": template.oa.pk, "phone": "0912000010", "token_type": "token_logistics_30"},
        follow=True,
    )
    journey = Journey.objects.get()
    assert (journey.status, journey.token_type, journey.phone) == ("P", "token_logistics_30", "0912000010")
    assert "0912000010" in str(list(page.context["messages"])[0])
    wrong = support_client.post(send_url(template), {"phone": "0912000011", **DATA, "journey": journey.pk, "send": "1"})
    assert "0912000010" in wrong.context["form"].errors["journey"][0]
    support_client.post(send_url(template), {"phone": "0912000010", **DATA, "journey": journey.pk, "send": "1"})
    message = Message.objects.get()
    assert (message.type, message.journey_id, message.send_state) == ("journey", journey.journey_id, "sent")
    Journey.objects.all().delete()
    run = syncing.run_now("journey_sync", services.journeys_sync_work, shop=template.oa.shop)
    assert run.counts == {"journeys": 1} and Journey.objects.get().journey_id == journey.journey_id
