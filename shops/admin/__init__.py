"""The hub's admin, by what it shows: shops and memberships, the records of what happened, and running jobs from
the admin (whose helpers the apps' admins use); importing the package registers them all."""

from . import records, shops
from .running import SyncNowAdmin, queue_runs, run_link, shop_syncs

__all__ = ["SyncNowAdmin", "queue_runs", "records", "run_link", "shop_syncs", "shops"]
