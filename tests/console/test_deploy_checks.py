"""`manage.py check --deploy` under production settings: the demo's defaults fail it, each with a clear message;
real-looking values (what .ci/run sets) pass."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from etelecom.sandbox import DEMO_PARTNER_KEY
from etelecom_console.checks import on_this_machine

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "False",
    "HTTPS": "True",
    "ALLOWED_HOSTS": "console.example.vn",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-0123456789-abcdefghijklmnop",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
}
DEMO = {
    "ETELECOM_PARTNER_API_KEY": DEMO_PARTNER_KEY,
    "ETELECOM_SHOP_BASE_URL": "http://127.0.0.1:8100/v1/shop",
    "ETELECOM_PARTNER_BASE_URL": "http://localhost:8100/v1/partner",
    "ETELECOM_SMS_BASE_URL": "http://127.0.0.1:8100/omni/api",
    "CONSOLE_URL": "http://127.0.0.1:8000",
}
REAL = {
    "ETELECOM_PARTNER_API_KEY": "partner-issued-key-7f3a9c",
    "ETELECOM_SHOP_BASE_URL": "https://api.etelecom.vn/v1/shop",
    "ETELECOM_PARTNER_BASE_URL": "https://api.etelecom.vn/v1/partner",
    "ETELECOM_SMS_BASE_URL": "https://omni.incom.vn/api",
    "CONSOLE_URL": "https://console.example.vn",
}


def deploy_check(values: dict) -> subprocess.CompletedProcess:
    # The test run's own switches (DJANGO_ALLOW_ASYNC_UNSAFE from the browser tests, DATABASE_URL) stay out.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    env = {**inherited, **PRODUCTION, **values}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_demo_defaults_fail_the_deploy_check_with_a_clear_message():
    result = deploy_check(DEMO)
    assert result.returncode != 0
    out = result.stderr
    assert "console.E004" in out and "ETELECOM_PARTNER_API_KEY is the local sandbox's demo key" in out
    assert out.count("console.E005") == 3 and "the local sandbox, not eTelecom" in out
    assert "console.E006" in out and "CONSOLE_URL is an address on this machine" in out
    assert DEMO_PARTNER_KEY not in out  # the check names the setting, never its value


def test_real_looking_production_values_pass_the_deploy_check():
    result = deploy_check(REAL)
    assert result.returncode == 0, result.stderr
    assert "console.E00" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8100/v1/shop", True),
        ("http://127.8.9.10/v1/shop", True),
        ("http://[::1]:8100/v1/shop", True),
        ("http://0.0.0.0:8000", True),
        ("http://LOCALHOST:8000", True),
        ("http://console.localhost", True),
        ("", True),
        ("not a url", True),
        ("https://api.etelecom.vn/v1/shop", False),
        ("https://10.0.0.5/v1/shop", False),
    ],
)
def test_which_addresses_are_this_machine(url, local):
    assert on_this_machine(url) is local
