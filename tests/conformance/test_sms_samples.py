"""SMS Brandname's documented samples (samples/sms.json): the client decodes every answer served over HTTP as the
gateway serves it, and raises each documented error's own class; the sandbox's gateway takes every documented
request and answers the documented fields, and types."""

import pytest
import requests

from etelecom import sms

from .conftest import SAMPLES, sample_id
from .test_sandbox_samples import same_shape

SMS = [s for s in SAMPLES if s["method"] in sms.METHODS]
ANSWERS = [s for s in SMS if s["kind"] == "response"]
ERRORS = sms.STATUS_ERRORS


class Gateway:
    """The sandbox's values for the SMS samples' placeholders."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        account = sandbox.control.sms_account(sandbox.shop("Nhà thuốc An Khang Quận 1")["id"])
        self.sms_username, self.sms_password = account["username"], account["password"]
        self.client = sms.SmsClient(sandbox.sms_base_url, self.sms_username, self.sms_password)
        sent = sms.send_message(self.client, phone="84912345678", template_code="OTP", params={"otp": "123456"})
        sandbox.control.settle_sms(sent.id_omni_mess)
        self.id_omni_mess = sent.id_omni_mess

    def fill(self, body: dict, fill: dict) -> dict:
        def value(item):
            return getattr(self, item[1:]) if isinstance(item, str) and item.startswith("$") else item

        return {**body, **{name: value(item) for name, item in fill.items()}}


@pytest.fixture
def gateway(sandbox):
    sandbox.control.sms(status_seconds=60)
    return Gateway(sandbox)


def _client(replay, sample) -> sms.SmsClient:
    replay.answer = (200, sample["body"])
    base_url = f"http://127.0.0.1:{replay.server_address[1]}/api"
    return sms.SmsClient(base_url, "omni-user", "omni-password", max_retries=0)


def test_every_sms_method_has_a_request_and_an_answer():
    assert {s["method"] for s in SMS if s["kind"] == "request"} == set(sms.METHODS)
    assert {s["method"] for s in ANSWERS} == set(sms.METHODS)


@pytest.mark.parametrize("sample", ANSWERS, ids=sample_id)
def test_the_client_decodes_the_sample_or_raises_its_class(replay, sample):
    client, body = _client(replay, sample), sample["body"]
    if sample["method"] == sms.STATUS:
        status = sms.get_status(client, id_omni_mess="ICOMNI-1")
        assert status.raw == body and status.params == {"otp": "123456"} and status.telcoid == "1"
        assert status.created_at.isoformat() == "2021-05-21T07:43:22+00:00"
    elif body["status"] == "1":
        assert sms.send_message(client, phone="84912345678", template_code="T", params={}).raw == body
    else:
        with pytest.raises(ERRORS[body["status"]]) as refused:
            sms.send_message(client, phone="84912345678", template_code="T", params={})
        assert (refused.value.code, refused.value.msg, refused.value.status) == (body["status"], body["code"], 200)


@pytest.mark.parametrize("sample", [s for s in SMS if s["kind"] == "request"], ids=sample_id)
def test_the_sandbox_takes_the_documented_request(gateway, sample):
    body = gateway.fill(sample["body"], sample.get("fill", {}))
    answer = requests.post(f"{gateway.sandbox.sms_base_url}/{sample['method']}", json=body, timeout=10)
    assert answer.status_code == 200
    documented = next(s for s in ANSWERS if s["method"] == sample["method"] and not s["body"]["status"].startswith("-"))
    problems = same_shape(documented["body"], answer.json())
    if sample["method"] == sms.STATUS:  # the table types mtcount and telcoid number/string
        problems = [p for p in problems if not p.startswith("telcoid:")]
    assert problems == []
