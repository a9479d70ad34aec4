"""SMS Brandname against the sandbox's gateway over HTTP: sends, statuses over time and fallback, every business
error class, the two 401s, retries (status reads only), secrets, and hostile bodies."""

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from etelecom import errors, sms

SHOP = "Nhà thuốc An Khang Quận 1"


@pytest.fixture
def account(sandbox) -> dict:
    sandbox.control.sms(status_seconds=60)  # statuses move when a test settles them
    return sandbox.control.sms_account(sandbox.shop(SHOP)["id"])


@pytest.fixture
def client(sandbox, account) -> sms.SmsClient:
    return sms.SmsClient(sandbox.sms_base_url, account["username"], account["password"], sleep=lambda _: None)


def send(client, **changes) -> sms.SendResult:
    values = {"phone": "84912345678", "template_code": "OTP", "params": {"otp": "123456"}, "route_rule": ("3",)}
    return sms.send_message(client, **{**values, **changes})


def test_a_message_is_processing_then_delivered_with_its_segments_and_carrier(sandbox, client):
    sent = send(client, phone="0981234568")
    assert sent.id_omni_mess.startswith("ICOMNI") and len(sent.id_omni_mess) == 36
    assert (sent.status, sent.code) == ("1", "Success")
    before = sms.get_status(client, id_omni_mess=sent.id_omni_mess)
    assert (before.status, before.channel, before.final, before.mtcount) == (sms.PROCESSING, "SMS", False, 1)
    assert before.params == {"otp": "123456"} and before.template_code == "OTP" and before.phone == "0981234568"
    assert before.created_at.tzinfo is not None and before.created_at.utcoffset() == timedelta(0)
    assert abs(before.created_at - datetime.now(UTC)) < timedelta(seconds=5)
    sandbox.control.settle_sms(sent.id_omni_mess)
    after = sms.get_status(client, id_omni_mess=sent.id_omni_mess)
    assert (after.status, after.channel, after.error_code, after.mtcount, after.telcoid) == (
        sms.SUCCESS,
        "SMS",
        "0",
        1,
        "1",  # 098: the sandbox's carrier table
    )
    assert after.final and after.duration is None


def test_statuses_move_by_themselves_over_time(sandbox, client):
    sandbox.control.sms(status_seconds=0.05)
    sent = send(client)
    deadline = time.monotonic() + 5
    while (status := sms.get_status(client, id_omni_mess=sent.id_omni_mess)).status == sms.PROCESSING:
        assert time.monotonic() < deadline, "the message stayed PROCESSING"
        time.sleep(0.02)
    assert status.status == sms.SUCCESS


def test_a_zns_that_fails_falls_back_to_sms(sandbox, client):
    sent = send(client, phone="84912345677", route_rule=(sms.CHANNEL_ZNS, sms.CHANNEL_SMS))
    assert sms.get_status(client, id_omni_mess=sent.id_omni_mess).channel == "ZNS"
    [settled] = sandbox.control.settle_sms(sent.id_omni_mess)
    assert settled["fallbacks"] == [{"channel": "ZNS", "errorCode": "-118"}]
    status = sms.get_status(client, id_omni_mess=sent.id_omni_mess)
    assert (status.status, status.channel, status.mtcount) == (sms.SUCCESS, "SMS", 1)


def test_a_zns_that_arrives_carries_no_sms_fields(sandbox, client):
    sent = send(client, phone="84912345678", route_rule=("1", "3"))
    sandbox.control.settle_sms()
    status = sms.get_status(client, id_omni_mess=sent.id_omni_mess)
    assert (status.status, status.channel, status.mtcount, status.telcoid) == (sms.SUCCESS, "ZNS", None, "")
    assert set(status.raw) == {
        "phonenumber",
        "list_param",
        "createdatetime",
        "status",
        "channel",
        "templatecode",
        "errorCode",
    }


@pytest.mark.parametrize(
    ("phone", "route", "channel", "code"),
    [("84912345676", ("3",), "SMS", "TELCO_REJECTED"), ("84912345677", ("1",), "ZNS", "-118")],
)
def test_the_last_channel_failing_fails_the_message(sandbox, client, phone, route, channel, code):
    sent = send(client, phone=phone, route_rule=route)
    sandbox.control.settle_sms()
    status = sms.get_status(client, id_omni_mess=sent.id_omni_mess)
    assert (status.status, status.channel, status.error_code, status.final) == (sms.FAIL, channel, code, True)


def test_an_outcome_can_be_forced(sandbox, client):
    sent = send(client)
    sandbox.control.set_sms_status(sent.id_omni_mess, "FAIL", "99")
    assert sms.get_status(client, id_omni_mess=sent.id_omni_mess).error_code == "99"


def test_a_long_unicode_message_counts_its_segments(sandbox, client, account):
    template = {"code": "DAI", "text": "Thông báo: {body}", "params": {"body": ".{1,400}"}, "routes": ["3"]}
    sandbox.control.update_sms_account(account["username"], templates=[template])
    sent = send(client, template_code="DAI", params={"body": "ư" * 130})
    sandbox.control.settle_sms()
    assert sms.get_status(client, id_omni_mess=sent.id_omni_mess).mtcount == 3  # 141 UCS-2 characters, 67 a part


@pytest.mark.parametrize(
    ("changes", "error", "code"),
    [
        ({"phone": "0912"}, sms.PhoneNumberWrongFormat, "-1"),
        ({"phone": "+84912345678"}, sms.PhoneNumberWrongFormat, "-1"),
        ({"phone": "０９１２３４５６７８"}, sms.PhoneNumberWrongFormat, "-1"),  # full-width digits
        ({"params": {"otp": "12ab"}}, sms.WrongFormatParameter, "-2"),
        ({"params": {}}, sms.WrongFormatParameter, "-2"),
        ({"params": {"otp": "1234", "extra": "x"}}, sms.WrongFormatParameter, "-2"),
        ({"template_code": "KHONGCO"}, sms.TemplateNotFound, "-6"),
        ({"template_code": "KHUYENMAI", "params": {"percent": "10"}}, sms.NoRouting, "-8"),
        (
            {"template_code": "LICHHEN", "params": {"date": "01/12/2026", "place": "Q1"}, "route_rule": ("1",)},
            sms.NoRouting,
            "-8",
        ),
        ({"route_rule": ("2",)}, sms.ChannelNotFound, "-9"),
    ],
)
def test_every_business_error_is_its_own_class(sandbox, client, changes, error, code):
    with pytest.raises(error) as refused:
        send(client, **changes)
    assert (refused.value.code, refused.value.status) == (code, 200)
    assert isinstance(refused.value, sms.SmsError) and refused.value.msg
    assert sandbox.control.sms()["messages"] == []


def test_out_of_messages_once_the_quota_is_used_up(sandbox, client, account):
    sandbox.control.update_sms_account(account["username"], quota=1)
    send(client)
    with pytest.raises(sms.OutOfMessages) as refused:
        send(client)
    assert refused.value.code == "-3" and "run out" in refused.value.msg
    assert len(sandbox.control.sms()["messages"]) == 1


def test_wrong_credentials_are_a_401_in_plain_text(sandbox, account):
    for username, password in ((account["username"], "sai-mat-khau"), ("khong-co", account["password"]), ("", "")):
        wrong = sms.SmsClient(sandbox.sms_base_url, username, password)
        with pytest.raises(sms.BadCredentials) as refused:
            send(wrong)
        assert (refused.value.status, refused.value.msg) == (401, "Unauthorized")
        assert isinstance(refused.value, errors.AuthenticationError)


def test_an_ip_off_the_allow_list_is_refused_on_both_calls(sandbox, client, account):
    sent = send(client)
    sandbox.control.update_sms_account(account["username"], allowed_ips=["203.0.113.7"])
    with pytest.raises(sms.IpNotWhitelisted) as refused:
        send(client)
    assert (refused.value.status, refused.value.msg) == (401, "Can't access from this IP")
    with pytest.raises(sms.IpNotWhitelisted):
        sms.get_status(client, id_omni_mess=sent.id_omni_mess)
    sandbox.control.update_sms_account(account["username"], allowed_ips=["203.0.113.7", "127.0.0.1"])
    assert sms.get_status(client, id_omni_mess=sent.id_omni_mess).status == sms.PROCESSING


def test_another_accounts_message_is_not_found(sandbox, client):
    sent = send(client)
    other_account = sandbox.control.sms_account(sandbox.shop("Thời trang Hoa Mai")["id"])
    other = sms.SmsClient(sandbox.sms_base_url, other_account["username"], other_account["password"])
    with pytest.raises(sms.SmsError) as refused:
        sms.get_status(other, id_omni_mess=sent.id_omni_mess)
    assert type(refused.value) is sms.SmsError and refused.value.code == "-10"
    # The docs' example writes the id with a hyphen after ICOMNI: the same message.
    hyphenated = "ICOMNI-" + sent.id_omni_mess[6:]
    assert sms.get_status(client, id_omni_mess=hyphenated).template_code == "OTP"


def test_a_send_is_never_repeated_and_a_status_read_is(sandbox, client):
    sandbox.control.faults(next=["5xx"], phase="after")
    with pytest.raises(errors.ServerError):
        send(client)
    assert sandbox.control.received(sms.SEND) == 1
    [message] = sandbox.control.sms()["messages"]  # it was sent: the outcome is unknown to the caller, not lost
    sandbox.control.faults(next=["5xx", "hang", "malformed"], hang_seconds=0.5)
    quick = sms.SmsClient(
        sandbox.sms_base_url, client.username, client.handover()["password"], timeout=0.3, sleep=lambda _: None
    )
    assert sms.get_status(quick, id_omni_mess=message["idOmniMess"]).status == sms.PROCESSING
    assert sandbox.control.received(sms.STATUS) == 4


def test_the_password_never_leaves_in_a_repr_an_error_or_the_hook(sandbox, account):
    seen = []
    client = sms.SmsClient(sandbox.sms_base_url, account["username"], account["password"], on_call=seen.append)
    assert account["password"] not in repr(client)
    send(client)
    with pytest.raises(sms.SmsError) as refused:
        send(client, template_code=account["password"])  # echoed back by the gateway in its text
    assert account["password"] not in str(refused.value) and account["password"] not in refused.value.msg
    assert [(info.service, info.method, info.status, info.code) for info in seen] == [
        ("OmniMessage", "SendMessage", 200, ""),
        ("OmniMessage", "SendMessage", 200, "-6"),
    ]
    assert all(account["password"] not in repr(info) for info in seen)


def test_the_client_checks_its_own_arguments(sandbox, client):
    with pytest.raises(ValueError):
        send(client, route_rule=("4",))
    with pytest.raises(ValueError):
        send(client, route_rule=())
    with pytest.raises(ValueError):
        sms.SmsClient("omni.incom.vn/api", "u", "p")
    assert sms.SmsClient("https://omni.incom.vn/api/", "u", "p").base_url == "https://omni.incom.vn/api"
    rebuilt = sms.SmsClient(**client.handover())
    assert send(rebuilt).status == "1"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"username": 1}', "application/json"),
        (b'{"username": "u", "password": "p", "unknown": 1}', "application/json"),
        (b'{"a": NaN}', "application/json"),
        (b"\xff\xfe", "text/plain"),
        (b"[" * 5000 + b"]" * 5000, "application/json"),
    ],
)
def test_hostile_bodies_get_a_4xx_in_plain_text(sandbox, body, content_type):
    answer = requests.post(f"{sandbox.sms_base_url}/{sms.SEND}", data=body, headers={"Content-Type": content_type})
    assert 400 <= answer.status_code < 500 and answer.headers["Content-Type"].startswith("text/plain")


def test_the_status_call_needs_no_content_type_and_a_string_routerule_is_taken(sandbox, account):
    credentials = {"username": account["username"], "password": account["password"]}
    body = {**credentials, "phonenumber": "84912345678", "routerule": "1,3", "templatecode": "OTP"}
    answer = requests.post(f"{sandbox.sms_base_url}/{sms.SEND}", json={**body, "list_param": {"otp": "1234"}}).json()
    assert answer["status"] == "1"
    raw = requests.post(
        f"{sandbox.sms_base_url}/{sms.STATUS}",
        data=f'{{"username": "{account["username"]}", "password": "{account["password"]}", '
        f'"idOmniMess": "{answer["idOmniMess"]}"}}',
    )
    assert raw.status_code == 200 and raw.json()["list_param"] == '{"otp": "1234"}'
    for verb, path in (("GET", sms.SEND), ("POST", "OmniMessage/Other")):
        assert requests.request(verb, f"{sandbox.sms_base_url}/{path}").status_code == 404


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("21/05/2021 14:43:22", datetime(2021, 5, 21, 7, 43, 22, tzinfo=UTC)),
        ("01/01/2026 03:00:00", datetime(2025, 12, 31, 20, 0, tzinfo=UTC)),  # local midnight crosses the day
        ("2021-05-21 14:43:22", None),
        ("31/02/2021 10:00:00", None),
        ("", None),
        (None, None),
        (1621583002, None),
    ],
)
def test_createdatetime_is_local_time_made_aware_utc(value, expected):
    assert sms.parse_created(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('{"otp":"123456"}', {"otp": "123456"}),
        ({"otp": "1"}, {"otp": "1"}),
        ('{"n": 5}', {"n": "5"}),
        ("not json", {}),
        ('"{\\"otp\\": 1}"', {}),  # a string inside the string: not an object
        ("[1]", {}),
        (None, {}),
    ],
)
def test_list_param_is_decoded_a_second_time(value, expected):
    assert sms.decode_params(value) == expected


def test_a_status_read_waits_as_long_as_retry_after_asks_and_a_send_does_not_retry(sandbox, account):
    waits = []
    client = sms.SmsClient(sandbox.sms_base_url, account["username"], account["password"], sleep=waits.append)
    sent = send(client)
    sandbox.control.faults(next=["429"], retry_after=3)
    assert sms.get_status(client, id_omni_mess=sent.id_omni_mess).status == sms.PROCESSING
    assert len(waits) == 1 and waits[0] >= 3
    sandbox.control.faults(next=["429"], retry_after=3)
    with pytest.raises(errors.RateLimited) as limited:
        send(client)
    assert limited.value.retry_after == 3 and len(waits) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"quota": -1},
        {"quota": True},
        {"allowed_ips": "127.0.0.1"},
        {"channels": ["4"]},
        {"password": ""},
        {"templates": [{"code": "X", "text": "{a}", "params": {"a": "("}, "routes": ["3"]}]},
        {"templates": [{"code": "X", "text": "{b}", "params": {"a": ".*"}, "routes": ["3"]}]},
        {"templates": [{"code": "X", "text": "a", "routes": ["9"]}]},
        {"colour": "red"},
    ],
)
def test_the_control_api_refuses_a_bad_account_change_and_changes_nothing(sandbox, account, changes):
    with pytest.raises(ValueError):
        sandbox.control.update_sms_account(account["username"], **changes)
    assert sandbox.control.sms_account(account["shop_id"]) == account


def test_generated_shops_get_sms_accounts_on_request(sandbox):
    sandbox.control.reset("generated", shops=3, sms_accounts=2)
    accounts = sandbox.control.sms()["accounts"]
    shops = {shop["id"] for shop in sandbox.control.shops()}
    assert len(accounts) == 2 and {a["shop_id"] for a in accounts} < shops
