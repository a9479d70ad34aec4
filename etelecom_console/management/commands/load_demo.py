import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from etelecom import EtelecomError
from etelecom.sandbox.control import SandboxControl
from etelecom.shop import current_account
from etelecom_console.twofactor import device_secret
from pbx.models import CallRecord, Extension
from shops import services, syncing
from shops.clients import Actor, partner_client
from shops.errors import Refused
from shops.models import Shop, ShopMembership
from shops.roles import MANAGER, SUPPORT
from zalo.models import Consent, Message, OfficialAccount, ZnsTemplate

# Demo shops whose keys the sandbox revokes after the console stored them: they show up as invalid.
REVOKED = ("Gara Ô tô Thành Công", "Khách sạn Biển Xanh")
SUPPORT_SHOPS = 6


class Command(BaseCommand):
    help = (
        "Load the demo against the eTelecom sandbox: import the partner's shops, add the direct ones, let two keys "
        "go stale, check every key, sync the Zalo OAs, ZNS templates, call permission requests and ZNS messages, "
        "register webhooks, sync the PBX and its calls, and create admin, support and manager."
    )

    def handle(self, *args, **options):
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(settings.ETELECOM_PARTNER_BASE_URL))
        actor = Actor(job="load_demo")
        try:
            account = current_account(partner_client(actor))
        except EtelecomError as exc:
            url = settings.ETELECOM_PARTNER_BASE_URL
            raise CommandError(f"checking the partner key against {url} failed: {exc}") from exc
        self.stdout.write(f"Partner account {account.name} ({account.id}).")
        control = SandboxControl(origin)
        try:
            sandbox_shops = control.shops()
        except Exception as exc:
            raise CommandError(f"{origin} is not the eTelecom sandbox; load_demo only loads demo data there.") from exc

        imported = syncing.run_now("shop_import")
        self.stdout.write(f"Imported the partner's shops: {imported.counts or imported.error}")
        for record in sandbox_shops:
            if record["partner_id"]:
                continue
            remote = services.shop_check_direct_key(api_key=record["api_key"], user=None)
            services.shop_save_direct(remote=remote, api_key=record["api_key"], user=None)
        for record in sandbox_shops:
            if record["name"] in REVOKED:
                control.shop_action(record["id"], "revoke")
        for shop in Shop.objects.all():
            syncing.run_now("credential_check", shop=shop)
        counts = {s: Shop.objects.filter(credential_status=s).count() for s in Shop.CredentialStatus.values}
        self.stdout.write(f"{Shop.objects.count()} shops: {counts}")
        for shop in Shop.objects.filter(credential_status=Shop.CredentialStatus.VALID):
            syncing.run_now("oa_sync", shop=shop)
            syncing.run_now("follower_sync", shop=shop)
            syncing.run_now("template_sync", shop=shop)
            syncing.run_now("consent_sync", shop=shop)
            syncing.run_now("message_sync", shop=shop)
            try:
                services.shop_webhook_register(shop=shop)
            except Refused as exc:
                self.stderr.write(f"{shop}: {exc}")
        self.stdout.write(
            f"{OfficialAccount.objects.count()} Zalo OAs, {ZnsTemplate.objects.count()} ZNS templates, "
            f"{Consent.objects.count()} call permission requests and {Message.objects.count()} ZNS synced; "
            f"webhooks point at {settings.CONSOLE_URL}."
        )
        for shop in Shop.objects.filter(credential_status=Shop.CredentialStatus.VALID):
            syncing.run_now("pbx_sync", shop=shop)
            if hasattr(shop, "tenant"):
                syncing.run_now("call_sync", shop=shop)
        self.stdout.write(f"{Extension.objects.count()} extensions and {CallRecord.objects.count()} calls synced.")
        self._users()

    def _users(self):
        password = settings.DEMO_ADMIN_PASSWORD
        users = get_user_model().objects
        shops = list(Shop.objects.order_by("name"))
        admin, _ = users.get_or_create(username="admin", defaults={"email": "admin@example.vn"})
        admin.is_staff = admin.is_superuser = True
        people = [(admin, None, shops)]
        for username, role, members_of in (("support", SUPPORT, shops[:SUPPORT_SHOPS]), ("manager", MANAGER, shops)):
            user, _ = users.get_or_create(username=username, defaults={"email": f"{username}@example.vn"})
            user.is_staff = True
            people.append((user, role, members_of))
        for user, role, members_of in people:
            if password:
                user.set_password(password)
            elif not user.has_usable_password():
                user.set_unusable_password()
            user.save()
            if role:
                user.groups.set([Group.objects.get(name=role)])
                for shop in members_of:
                    ShopMembership.objects.get_or_create(user=user, shop=shop)
        if password:
            self.stdout.write(self.style.SUCCESS(f"Log in as admin, support or manager with the password {password}"))
            self._second_step(admin)
        else:
            self.stdout.write("Set DEMO_ADMIN_PASSWORD (make run writes one) or run `manage.py changepassword admin`.")

    def _second_step(self, admin):
        """The demo superuser signs in in two steps like any superuser: enrolled once, with a fresh recovery code
        printed at every start for whoever has no authenticator app at hand."""
        device, _ = TOTPDevice.objects.get_or_create(user=admin, name="authenticator", defaults={"confirmed": True})
        recovery, _ = StaticDevice.objects.get_or_create(user=admin, name="recovery", defaults={"confirmed": True})
        code = secrets.token_hex(5)
        recovery.token_set.create(token=code)
        self.stdout.write(
            self.style.SUCCESS(
                f"admin's second step: the code of an authenticator app set up with the secret {device_secret(device)}"
                f", or the one-use recovery code {code}"
            )
        )
