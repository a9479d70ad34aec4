"""OA sync against the sandbox: upserts, snapshots, disappearing OAs, concurrency, failures; health and alerts."""

from django.urls import reverse

from etelecom.sandbox.control import SandboxControl
from shops import syncing, tasks
from shops.models import SyncRun
from zalo import services
from zalo.models import Follower, OASnapshot, OfficialAccount

SHOP = "Nhà thuốc An Khang Quận 1"


def sync(shop):
    return syncing.run_now("oa_sync", services.oa_sync_work, shop=shop)


def test_a_shops_oas_are_mirrored_with_a_snapshot_each(shops, sandbox):
    run = sync(shops[SHOP])
    assert run.status == "succeeded" and run.counts == {"oas": 2, "created": 2, "updated": 0, "missing": 0}
    oa = OfficialAccount.objects.get(name__endswith="Khuyến mãi")
    assert (oa.current_quality, oa.last_week_quality, oa.remaining_quota, oa.daily_quota) == ("MEDIUM", "HIGH", 35, 500)
    assert (oa.monthly_promotion_quota, oa.remaining_monthly_promotion_quota, oa.status) == (1500, 1200, "P")
    assert oa.expires_at and oa.owner_id and oa.app_id and oa.synced_at
    assert OASnapshot.objects.filter(oa=oa).count() == 1


def test_every_sync_adds_history_as_quota_and_quality_move(shops, sandbox):
    sync(shops[SHOP])
    oa = OfficialAccount.objects.get(name__endswith="Chăm sóc khách hàng")
    sandbox.control.update_oa(oa.oa_id, remaining_quota=100, current_quality="LOW")
    run = sync(shops[SHOP])
    assert run.counts["updated"] == 2 and run.counts["created"] == 0
    history = list(oa.snapshots.order_by("taken_at").values_list("remaining_quota", "current_quality"))
    assert history == [(420, "HIGH"), (100, "LOW")]
    assert OfficialAccount.objects.get(pk=oa.pk).current_quality == "LOW"


def test_an_oa_that_disappears_is_marked_and_comes_back(shops, sandbox):
    sync(shops[SHOP])
    oa = OfficialAccount.objects.get(name__endswith="Khuyến mãi")
    saved = next(o for o in sandbox.control.oas() if o["oa_id"] == oa.oa_id)
    sandbox.control.remove_oa(oa.oa_id)
    assert sync(shops[SHOP]).counts["missing"] == 1
    oa.refresh_from_db()
    assert oa.missing_since is not None
    assert OfficialAccount.objects.filter(pk=oa.pk).exists()  # kept, with its history
    assert saved["oa_id"] == oa.oa_id


def run_queued():
    for run in SyncRun.objects.filter(kind="oa_sync", status="queued").order_by("pk"):
        tasks.run_job(run.pk)


def test_a_cycle_syncs_every_shop_and_one_failure_stops_no_other(shops, sandbox, settings):
    settings.ETELECOM_MAX_RETRIES = 0
    broken = shops["Thời trang Hoa Mai"]
    sandbox.control.shop_action(broken.etelecom_id, "revoke")
    assert tasks.run_schedule("oa_sync") == len(shops)
    assert tasks.run_schedule("oa_sync") == 0  # the queued runs are not piled on
    run_queued()
    statuses = dict(SyncRun.objects.filter(kind="oa_sync").values_list("shop__name", "status"))
    assert statuses.pop("Thời trang Hoa Mai") == "failed"
    assert set(statuses.values()) == {"succeeded"} and len(statuses) == len(shops) - 1
    broken.refresh_from_db()
    assert broken.credential_status == "invalid"  # the 401 marked it
    assert OfficialAccount.objects.count() == len(sandbox.control.oas()) - 1  # all but the broken shop's one OA
    assert tasks.run_schedule("oa_sync") == len(shops) - 1  # a shop with an invalid key is left out


def test_a_cycle_makes_one_list_and_one_read_per_oa(shops, sandbox):
    control = SandboxControl(sandbox.url)
    control.clear_requests()
    tasks.run_schedule("oa_sync")
    run_queued()
    assert control.received("Zalo/GetShopOA") == len(control.oas())
    assert control.received("Zalo/ListOA") == len(shops)
    assert SyncRun.objects.filter(kind="oa_sync", status="succeeded").count() == len(shops)


def test_followers_are_synced_and_re_synced_without_duplicates(shops, sandbox):
    sync(shops[SHOP])
    for _ in range(2):
        run = syncing.run_now("follower_sync", services.followers_sync_work, shop=shops[SHOP])
        assert run.counts == {"followers": 24}
    assert Follower.objects.count() == 24
    assert Follower.objects.filter(state="unfollow").count() == 2


def test_the_oa_list_shows_health_and_filters_on_it(admin_client, shops, sandbox):
    for shop in shops.values():
        sync(shop)
    url = reverse("admin:zalo_officialaccount_changelist")

    def names(health):
        page = admin_client.get(url, {"health": health})
        return sorted(oa.name.split(" – ")[1] for oa in page.context["cl"].result_list)

    assert names("low_quality") == ["Tư vấn"]
    assert names("quality_dropped") == ["Khuyến mãi", "Tư vấn"]
    assert names("quota_low") == ["Hỗ trợ", "Khuyến mãi"]
    assert names("token_expiring") == ["Tư vấn"]
    assert names("disconnected") == ["Thông báo"]
    page = admin_client.get(url).content.decode()
    assert "35 / 500 (7%)" in page and "Medium ↓" in page


def test_the_admin_index_lists_alerts_for_the_users_shops(client, make_user, shops, sandbox):
    for shop in shops.values():
        sync(shop)
    user = make_user("hotro-a", "Support", shops=[shops[SHOP]])
    client.force_login(user)
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="oa-alerts"' in page and "Khuyến mãi" in page
    assert "Tư vấn" not in page  # another shop's OA
    assert "?health=quota_low" in page


def test_sync_now_queues_one_run_per_shop(admin_client, shops, sandbox, django_capture_on_commit_callbacks):
    sync(shops[SHOP])
    ids = list(OfficialAccount.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admin_client.post(
            reverse("admin:zalo_officialaccount_changelist"), {"action": "sync_now", "_selected_action": ids}
        )
    assert len(callbacks) == 1
    run = SyncRun.objects.get(kind="oa_sync", status="queued")
    tasks.run_job(run.pk)
    run.refresh_from_db()
    assert run.status == "succeeded" and run.counts["updated"] == 2
