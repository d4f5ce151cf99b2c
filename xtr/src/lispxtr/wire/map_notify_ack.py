"""Map-Notify-Ack (RFC 9301 §5.7): same contents as the Map-Notify it acknowledges."""

from __future__ import annotations

from dataclasses import dataclass

from .message import TYPE_MAP_NOTIFY_ACK, register
from .registration import NotifyBase

NAME = "Map-Notify-Ack"


@register
@dataclass(frozen=True, slots=True)
class MapNotifyAck(NotifyBase):
    """Map-Notify-Ack (type 5). Wireshark 4.0 does not know this type."""

    nonce: int
    key_id: int
    records: tuple
    xtr_id: bytes | None = None
    site_id: bytes | None = None
    auth_data: bytes = b""
    alg_id: int | None = None

    TYPE = TYPE_MAP_NOTIFY_ACK
    NAME = NAME

    def __post_init__(self):
        self._check_common()

    @classmethod
    def for_notify(cls, notify) -> "MapNotifyAck":
        """The (unsigned) Map-Notify-Ack for ``notify``; sign it with ``sign(ack, key)``."""
        return cls(notify.nonce, notify.key_id, notify.records, notify.xtr_id, notify.site_id, b"", notify.alg_id)
