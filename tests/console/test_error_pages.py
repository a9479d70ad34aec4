"""403, 404 and 500 pages: in the console's look and the person's language, with a way on (the sidebar and the
dashboard for staff, the sign-in page for others), never Django's bare English pages."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from shops.roles import SUPPORT
from tests.shops.factories import make_shop


@pytest.mark.django_db
def test_a_refused_page_is_a_branded_vietnamese_403_with_navigation(client, make_user):
    client.force_login(make_user("hotro-403", SUPPORT, shops=[make_shop("Cửa hàng 403")]))
    response = client.get(reverse("admin:report_calls"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "Bạn không được mở trang này" in page and "403 Forbidden" not in page
    assert 'id="nav-sidebar"' in page and "Cửa hàng 403" in page  # the sidebar, with the user's shops
    assert reverse("admin:index") in page


@pytest.mark.django_db
def test_an_unknown_address_is_a_404_in_the_persons_language(client, make_user):
    client.force_login(make_user("hotro-404", SUPPORT, shops=[]))
    page = client.get("/khong-co-trang-nay/").content.decode()
    assert "Trang này không tồn tại" in page
    client.cookies["django_language"] = "en"
    response = client.get("/admin/no-such-page/here/")
    assert response.status_code == 404 and "This page does not exist" in response.content.decode()


@pytest.mark.django_db
def test_a_stranger_gets_the_404_with_the_way_to_sign_in_and_no_sidebar(client):
    response = client.get("/khong-co-trang-nay/")
    page = response.content.decode()
    assert response.status_code == 404 and "Đăng nhập vào bảng điều khiển" in page
    assert 'id="nav-sidebar"' not in page


def test_the_500_page_needs_no_context_and_speaks_both_languages():
    with translation.override("vi"):
        assert "Đã có lỗi xảy ra" in render_to_string("500.html")
    with translation.override("en"):
        assert "Something went wrong" in render_to_string("500.html")
