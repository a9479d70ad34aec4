from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from etelecom import EtelecomError
from etelecom.shop import current_account, iter_shops
from shops.clients import partner_client

DEMO_USERNAME = "admin"


class Command(BaseCommand):
    help = "Check the partner key against eTelecom (the sandbox in the demo) and create the demo superuser."

    def handle(self, *args, **options):
        client = partner_client()
        try:
            account = current_account(client)
            shop_count = sum(1 for _ in iter_shops(client))
        except EtelecomError as exc:
            url = settings.ETELECOM_PARTNER_BASE_URL
            raise CommandError(f"checking the partner key against {url} failed: {exc}") from exc
        self.stdout.write(f"Partner account {account.name} ({account.id}) sees {shop_count} shops on eTelecom.")
        self._superuser()

    def _superuser(self):
        user_model = get_user_model()
        password = settings.DEMO_ADMIN_PASSWORD
        user, created = user_model.objects.get_or_create(
            username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.vn"}
        )
        if password:
            user.set_password(password)
            user.save()
            self.stdout.write(self.style.SUCCESS(f"Log in as {DEMO_USERNAME} / {password}"))
        elif created:
            user.set_unusable_password()
            user.save()
            self.stdout.write(f"Created {DEMO_USERNAME}; set DEMO_ADMIN_PASSWORD or run `manage.py changepassword`.")
