"""The fake eTelecom pages a shop's browser visits during the redirect flows."""

from __future__ import annotations

import time
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .state import State

PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:32rem;margin:4rem auto;line-height:1.5}}
button{{font-size:1rem;padding:.5rem 1.5rem}}</style></head>
<body><p><small>eTelecom sandbox</small></p><h1>{title}</h1>{body}</body></html>"""


def html_page(title: str, body: str) -> bytes:
    return PAGE.format(title=escape(title), body=body).encode()


def with_params(url: str, **params: str) -> str:
    """`url` with `params` set in its query string, other parameters kept as they were."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def login_form(state: State, token: str) -> tuple[int, bytes]:
    with state.lock:
        login = state.pending_login(token)
        if login is None:
            return 400, html_page("Liên kết đã hết hạn / Link expired", "<p>Please ask the partner to start again.</p>")
        shop = state.shops.get(login.shop_id) if login.shop_id else state.shop_by_email(login.email)
        partner = state.partners[login.partner_id]
        who = shop.name if shop else login.name
        email = shop.email if shop else login.email
    body = (
        f"<p><b>{escape(partner.name)}</b> muốn quản lý cửa hàng <b id='shop-name'>{escape(who)}</b> "
        f"({escape(email)}) / wants to manage this shop.</p>"
        "<form method='post' action='/auth/login'>"
        f"<input type='hidden' name='token' value='{escape(token)}'>"
        "<p><label>Mật khẩu / Password <input type='password' name='password' value='sandbox'></label></p>"
        "<button id='approve' type='submit'>Đăng nhập và cho phép / Log in and allow</button></form>"
    )
    return 200, html_page("Đăng nhập eTelecom / eTelecom login", body)


def login_submit(state: State, form: dict[str, str]) -> tuple[int, bytes, str]:
    """Returns (status, body, redirect location)."""
    with state.lock:
        done = state.finish_login(form.get("token", ""))
    if done is None:
        return 400, html_page("Liên kết đã hết hạn / Link expired", "<p>Please ask the partner to start again.</p>"), ""
    login, shop = done
    return 302, b"", with_params(login.redirect_url, token=login.token, shop_id=shop.id)


def _consent(state: State, number: str):
    consent = state.consents.get(int(number)) if number.isdigit() else None
    if consent is None or consent.expires_at < time.monotonic():
        return None
    return consent


def zalo_consent_form(state: State, number: str) -> tuple[int, bytes]:
    """Zalo's permission screen: the OA admin grants the app access to an OA (a new one, or the one renewed)."""
    with state.lock:
        consent = _consent(state, number)
        if consent is None:
            return 400, html_page("Yêu cầu đã hết hạn / Request expired", "<p>Ask the console to start again.</p>")
        shop = state.shops[consent.shop_id]
        renewing = state.oas.get(consent.oa_id)
    name = renewing.name if renewing else f"OA {shop.name}"
    name_field = (
        f"<b id='oa-name'>{escape(name)}</b><input type='hidden' name='oa_name' value='{escape(name)}'>"
        if renewing
        else f"<input id='oa-name' name='oa_name' value='{escape(name)}' size='40'>"
    )
    body = (
        f"<p>Ứng dụng <b>{escape(consent.app_id)}</b> xin quyền quản lý Official Account / "
        "asks to manage an Official Account:</p>"
        "<form method='post' action='/zalo/oa/permission'>"
        f"<input type='hidden' name='state' value='{consent.state}'>"
        f"<p><label>Official Account {name_field}</label></p>"
        "<button id='allow' type='submit'>Cho phép / Allow</button></form>"
    )
    return 200, html_page("Zalo – Cấp quyền cho ứng dụng / Grant permission", body)


def zalo_consent_submit(state: State, form: dict[str, str]) -> tuple[int, bytes, str]:
    """Returns (status, body, redirect location): back to the app's callback with code, state and the OA id."""
    with state.lock:
        consent = _consent(state, form.get("state", ""))
        if consent is None:
            return 400, html_page("Yêu cầu đã hết hạn / Request expired", "<p>Ask the console to start again.</p>"), ""
        consent.code = state.secret("zalo-code")
        consent.oa_id = consent.oa_id or state.new_id()
        consent.oa_name = (form.get("oa_name") or "").strip() or f"OA {state.shops[consent.shop_id].name}"
        location = with_params(consent.redirect_uri, code=consent.code, state=str(consent.state), oa_id=consent.oa_id)
    return 302, b"", location
