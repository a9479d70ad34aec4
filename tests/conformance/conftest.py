"""The docs' samples (samples/*.json), and what replaying them needs: the sandbox's ids to put in their
placeholders, and a loopback server that answers a sample as eTelecom would."""

from __future__ import annotations

import copy
import json
import threading
from datetime import UTC, datetime, timedelta
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from etelecom import Client, oa, pbx, zalo, zns

SAMPLES_DIR = Path(__file__).parent / "samples"
SAMPLE_FILES = sorted(SAMPLES_DIR.glob("*.json"))
SAMPLES = [sample for path in SAMPLE_FILES for sample in json.loads(path.read_text(encoding="utf-8"))["samples"]]
# Samples whose part of the API other engineers own: decoded by the client here, left out of the sandbox's shape.
OTHER_OWNERS = ("connect", "webhooks")

SHOP = "Nhà thuốc An Khang Quận 1"  # OAs with templates, and a cloud PBX with calls
SHOP_WITHOUT_TENANT = "Nha khoa Nụ Cười"
OA_SUFFIX = "Chăm sóc khách hàng"
PARTNER_METHODS = (
    "Shop/GetShops",
    "Shop/CreateShopAccount",
    "Etelecom/GetPartnerTenantList",
    "Etelecom/PartnerAddHotline",
    "Etelecom/GetPartnerHotlineList",
    "Etelecom/PartnerActivateTenant",
)


PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
PDF_TYPE = "application/pdf"


def samples(**wanted) -> list[dict]:
    """The samples whose fields equal `wanted` (a value of None: the field is absent)."""
    return [s for s in SAMPLES if all(s.get(name) == value for name, value in wanted.items())]


def ids(items: list[dict]) -> list[str]:
    return [item["id"] for item in items]


def sample_id(sample: dict) -> str:
    return sample["id"]


class Context:
    """The sandbox's values for a sample's placeholders (`"$oa_id"`, ...), made on first use."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.record = sandbox.shop(SHOP)
        self.client = Client(sandbox.partner_base_url, self.record["shop_key"])
        self.partner = Client(sandbox.partner_base_url, sandbox.partner_key)

    def key_for(self, sample: dict) -> str:
        if sample["method"] in PARTNER_METHODS:
            return self.sandbox.partner_key
        if sample.get("setup") == "fresh_tenant":
            return self.sandbox.shop(SHOP_WITHOUT_TENANT)["shop_key"]
        return self.record["shop_key"]

    @cached_property
    def oa(self) -> zalo.OfficialAccount:
        return next(oa for oa in zalo.iter_oas(self.client) if oa.name.endswith(OA_SUFFIX))

    @property
    def oa_id(self) -> str:
        return self.oa.oa_id

    @property
    def app_id(self) -> str:
        return self.oa.app_id

    @property
    def oa_name(self) -> str:
        return OA_SUFFIX

    @cached_property
    def zl_user_id(self) -> str:
        """A follower whose consulting window is open (the demo's second follower wrote an hour ago)."""
        return next(f for f in zalo.iter_followers(self.client, oa_id=self.oa_id) if f.has_conversation).zl_user_id

    @cached_property
    def attachment_id(self) -> str:
        return oa.upload_image(self.client, oa_id=self.oa_id, name="anh.png", content=PNG, content_type="image/png")

    @cached_property
    def file_token(self) -> str:
        return oa.upload_file(self.client, oa_id=self.oa_id, name="hoa-don.pdf", content=PDF, content_type=PDF_TYPE)

    phone = "0912345671"
    template_id = 410001
    new_template_id = 420001
    template_data = {"customer_name": "Nguyễn Văn An", "order_code": "DH-0001"}

    @property
    def date_from(self) -> str:
        return (datetime.now(UTC) - timedelta(days=400)).isoformat()

    @property
    def date_to(self) -> str:
        return (datetime.now(UTC) + timedelta(days=1)).isoformat()

    @cached_property
    def journey_id(self) -> str:
        return zns.create_journey(self.client, oa_id=self.oa_id, phone=self.phone).journey_id

    @cached_property
    def msg_id(self) -> str:
        message = zns.send_zns(
            self.client,
            oa_id=self.oa_id,
            phone=self.phone,
            template_id=self.template_id,
            template_data=self.template_data,
            tracking_id="conformance-setup",
        )
        return message.msg_id

    @cached_property
    def extension(self) -> pbx.Extension:
        return next(e for e in pbx.iter_extensions(self.client) if e.user_id)

    @property
    def extension_id(self) -> str:
        return self.extension.id

    @property
    def hotline_id(self) -> str:
        return self.extension.hotline_id

    @property
    def user_id(self) -> str:
        return self.extension.user_id

    def fill(self, body: dict, fill: dict) -> dict:
        """`body` with each dotted path of `fill` set to its value, `"$name"` values read from here."""
        body = copy.deepcopy(body)
        for path, value in fill.items():
            *parents, last = path.split(".")
            target = body
            for name in parents:
                target = target.setdefault(name, {})
            target[last] = self.value(value)
        return body

    def value(self, value):
        if isinstance(value, str) and value.startswith("$"):
            return getattr(self, value[1:])
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        return value


@pytest.fixture
def context(sandbox):
    sandbox.control.zns(consent_reply_seconds=60, delivery_seconds=60)
    return Context(sandbox)


class Replay(BaseHTTPRequestHandler):
    """Answers every API call with the sample the test set (`server.answer`: status and body); a list call that
    follows a cursor gets an empty last page, so a sample's own `paging.next` ends the listing."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        status, body = self.server.answer
        if (request.get("paging") or {}).get("after"):
            status, body = 200, {self.server.items_key: [], "paging": {"next": ""}}
        payload = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def replay():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Replay)
    server.answer, server.items_key = (200, {}), ""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
