"""The fake eTelecom pages a shop's browser visits during the redirect flows."""

from __future__ import annotations

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
