import base64
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

TEMPLATE = """\
# Written by `manage.py init_env` for a local demo; .env.example explains every variable.
SECRET_KEY={secret_key}
FIELD_ENCRYPTION_KEYS={encryption_key}
DEBUG=False
DEMO_ADMIN_PASSWORD={password}
"""


def new_fernet_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


class Command(BaseCommand):
    help = "Write a .env with a generated secret key, encryption key and demo password, unless one exists."

    def add_arguments(self, parser):
        parser.add_argument("--print-key", action="store_true", help="only print a new FIELD_ENCRYPTION_KEYS key")

    def handle(self, *args, print_key=False, **options):
        if print_key:
            self.stdout.write(new_fernet_key())
            return
        path = Path(settings.BASE_DIR) / ".env"
        if path.exists():
            self.stdout.write(f"{path.name} exists; left as it is.")
            return
        content = TEMPLATE.format(
            secret_key=secrets.token_urlsafe(50),
            encryption_key=new_fernet_key(),
            password=secrets.token_urlsafe(12),
        )
        path.write_text(content)
        path.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(f"Wrote {path.name} with new secrets."))
