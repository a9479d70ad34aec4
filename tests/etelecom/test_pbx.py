"""PBX calls against the sandbox: provisioning in the documented order, its refusals, and the call history with
every documented filter and cursor paging."""

from datetime import UTC, datetime, timedelta

import pytest

from etelecom import errors, pbx
from etelecom.client import Client

PBX_SHOP = "Nhà thuốc An Khang Quận 1"  # a demo shop with an activated tenant, 4 extensions and 2,400 calls
BARE_SHOP = "Phở Hà Nội 36"  # a demo shop without a tenant


def shop_client(sandbox, name) -> Client:
    return Client(sandbox.partner_base_url, sandbox.shop(name)["shop_key"])


def partner(sandbox) -> Client:
    return Client(sandbox.partner_base_url, sandbox.partner_key)


def test_a_tenant_is_created_activated_with_a_hotline_and_gets_extensions(sandbox):
    shop = shop_client(sandbox, BARE_SHOP)
    with pytest.raises(errors.NotFound):
        pbx.get_tenant(shop)
    tenant = pbx.create_tenant(shop)
    assert tenant.status == pbx.STATUS_NEW and tenant.owner_id and tenant.connection_id and tenant.domain
    with pytest.raises(errors.AlreadyExists):
        pbx.create_tenant(shop)
    assert tenant.id in {t.id for t in pbx.iter_partner_tenants(partner(sandbox))}

    hotline = pbx.add_hotline(partner(sandbox), hotline="02873001234", name="Tổng đài Phở", network="viettel")
    assert (hotline.hotline, hotline.network, hotline.status) == ("02873001234", "viettel", "Z")
    with pytest.raises(errors.AlreadyExists):
        pbx.add_hotline(partner(sandbox), hotline="02873001234", name="again")
    user = pbx.create_account_user(shop, full_name="Ngô Thị Hạnh", phone="0912345678", password="mat-khau-1")
    with pytest.raises(errors.InvalidArgument, match="not activated"):
        pbx.create_extension(shop, hotline_id=hotline.id, extension_number=201)

    activate = {"tenant_id": tenant.id, "owner_id": tenant.owner_id, "connection_id": tenant.connection_id}
    with pytest.raises(errors.InvalidArgument, match="do not match"):
        pbx.activate_tenant(partner(sandbox), **{**activate, "connection_id": "1"}, hotline_id=hotline.id)
    assert pbx.activate_tenant(partner(sandbox), **activate, hotline_id=hotline.id)
    assert pbx.get_tenant(shop).status == pbx.STATUS_ENABLED
    extension = pbx.create_extension(shop, hotline_id=hotline.id, extension_number=201, user_id=user.id)
    assert (extension.extension_number, extension.hotline_id, extension.user_id) == ("201", hotline.id, user.id)
    assert extension.extension_password and extension.extension_password not in repr(extension)
    assert extension.extension_password not in str(extension)
    info = pbx.get_extension_info(shop, extension_number="201")
    assert (info.extension_password, info.tenant_domain) == (extension.extension_password, tenant.domain)
    assert [u.id for u in pbx.iter_account_users(shop, has_extension=True)] == [user.id]


def test_users_move_between_extensions_and_hotlines_change(sandbox):
    shop = shop_client(sandbox, PBX_SHOP)
    extensions = list(pbx.iter_extensions(shop))
    free = next(e for e in extensions if not e.user_id)
    held = next(e for e in extensions if e.user_id)
    with pytest.raises(errors.InvalidArgument, match="already has a user"):
        pbx.assign_user(shop, extension_id=held.id, user_id=_other_user(shop, held))
    assert pbx.remove_user(shop, extension_id=held.id, user_id=held.user_id)
    assert not pbx.remove_user(shop, extension_id=held.id, user_id=held.user_id)  # nothing left to remove
    assert pbx.assign_user(shop, extension_id=free.id, user_id=held.user_id)
    other_hotline = next(e.hotline_id for e in extensions if e.hotline_id != free.hotline_id)
    assert pbx.change_hotline(shop, extension_id=free.id, hotline_id=other_hotline)
    after = {e.id: e for e in pbx.iter_extensions(shop)}
    assert (after[free.id].user_id, after[free.id].hotline_id, after[held.id].user_id) == (
        held.user_id,
        other_hotline,
        "",
    )
    with pytest.raises(errors.InvalidArgument, match="not attached"):
        pbx.change_hotline(shop, extension_id=free.id, hotline_id="42")
    with pytest.raises(errors.NotFound):
        pbx.assign_user(shop, extension_id="42", user_id=held.user_id)


def _other_user(shop, held) -> str:
    return next(u.id for u in pbx.iter_account_users(shop) if u.id != held.user_id)


def test_bad_input_is_refused_with_the_field(sandbox):
    shop = shop_client(sandbox, PBX_SHOP)
    with pytest.raises(errors.InvalidArgument, match="phone"):
        pbx.create_account_user(shop, full_name="X", phone="12345", password="mat-khau-1")
    with pytest.raises(errors.InvalidArgument, match="network"):
        pbx.add_hotline(partner(sandbox), hotline="02873009999", name="X", network="sfone")
    with pytest.raises(errors.PermissionDenied):
        pbx.add_hotline(shop, hotline="02873009999", name="X")  # a shop key on a partner call
    with pytest.raises(errors.InvalidArgument, match="date-time"):
        list(pbx.iter_call_log_pages(shop, filter={"date_from": "yesterday"}))


def test_the_call_history_pages_newest_first_and_resumes_from_a_cursor(sandbox):
    shop = shop_client(sandbox, PBX_SHOP)
    pages = list(pbx.iter_call_log_pages(shop, limit=500))
    calls = [call for page, _ in pages for call in page]
    assert len(calls) == 2400 == len({call["id"] for call in calls})
    starts = [call["started_at"] for call in calls]
    assert starts == sorted(starts, reverse=True)
    assert pages[-1][1] == "" and all(cursor for _, cursor in pages[:-1])
    resumed = [call for page, _ in pbx.iter_call_log_pages(shop, after=pages[1][1], limit=500) for call in page]
    assert resumed == calls[1000:]
    first = calls[0]
    for name in ("direction", "call_state", "call_status", "caller", "callee", "extension_id", "user_id", "duration"):
        assert name in first
    assert first["call_targets"] and isinstance(first["recording_urls"], list)


def test_every_documented_filter_narrows_the_history(sandbox):
    shop = shop_client(sandbox, PBX_SHOP)
    everything = [call for page, _ in pbx.iter_call_log_pages(shop) for call in page]
    extensions = {e.id: e for e in pbx.iter_extensions(shop)}

    def listed(**filters):
        query = pbx.call_log_filter(**filters)
        return [call["id"] for page, _ in pbx.iter_call_log_pages(shop, filter=query) for call in page]

    def expected(predicate):
        return [call["id"] for call in everything if predicate(call)]

    now = datetime.now(UTC)
    since = now - timedelta(days=7)
    assert listed(date_from=since) == expected(lambda c: datetime.fromisoformat(c["started_at"]) >= since)
    until = now - timedelta(days=30)
    assert listed(date_to=until) == expected(lambda c: datetime.fromisoformat(c["started_at"]) <= until)
    assert listed(direction="in") == expected(lambda c: c["direction"] == "in")
    assert listed(call_state="not_answered") == expected(lambda c: c["call_state"] == "not_answered")
    assert listed(duration=("greater_than", 600)) == expected(lambda c: c["duration"] > 600)
    extension_id = next(iter(extensions))
    assert listed(extension_ids=[extension_id]) == expected(lambda c: c["extension_id"] == extension_id)
    hotline_id = extensions[extension_id].hotline_id
    by_hotline = expected(lambda c: extensions[c["extension_id"]].hotline_id == hotline_id)
    assert listed(hotline_ids=[hotline_id]) == by_hotline and 0 < len(by_hotline) < len(everything)
    number = everything[0]["caller"]
    assert listed(call_number=number) == expected(lambda c: number in (c["caller"], c["callee"]))
    user_id = everything[0]["user_id"]
    assert listed(user_id=user_id) == expected(lambda c: c["user_id"] == user_id)
    assert listed(external_id="sdk-call-1") == []  # generated calls were not placed through the SDK
    combined = listed(direction="in", call_state="answered", date_from=since)
    assert 0 < len(combined) < len(listed(direction="in"))


def test_new_calls_arrive_on_top_while_a_listing_is_under_way(sandbox):
    shop_id = sandbox.shop(PBX_SHOP)["id"]
    shop = shop_client(sandbox, PBX_SHOP)
    pages = pbx.iter_call_log_pages(shop, limit=1000)
    first, _ = next(pages)
    added = sandbox.control.add_calls(shop_id, 5)
    rest = [call for page, _ in pages for call in page]
    assert len(first) + len(rest) == 2400  # the listing in progress is not disturbed
    assert [c["id"] for c in next(pbx.iter_call_log_pages(shop, limit=5))[0]] == list(reversed(added))
    assert sandbox.control.call_count(shop_id) == 2405


def test_a_large_history_is_generated_without_holding_it(sandbox):
    shop_id = sandbox.shop(PBX_SHOP)["id"]
    assert sandbox.control.set_call_history(shop_id, 5_000_000, days=3 * 365) == 5_000_000
    shop = shop_client(sandbox, PBX_SHOP)
    page, cursor = next(pbx.iter_call_log_pages(shop, limit=1000))
    assert len(page) == 1000 and cursor
    old = datetime.now(UTC) - timedelta(days=2 * 365)
    window = pbx.call_log_filter(date_from=old, date_to=old + timedelta(hours=1))
    hour = [call for page, _ in pbx.iter_call_log_pages(shop, filter=window) for call in page]
    assert 150 < len(hour) < 250  # 5M calls over 3 years: about 190 an hour
