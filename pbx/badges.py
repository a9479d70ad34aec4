"""The colour of each status of the PBX's records (see shops.common.display)."""

from shops.common.display import BAD, BUSY, OK

from .models import Extension, Status

STATUS = {Status.ENABLED: OK, Status.NEW: BUSY, Status.DISABLED: BAD}
EXTENSION_STATE = {Extension.State.VALID: OK, Extension.State.NEW: BUSY, Extension.State.EXPIRED: BAD}
