"""Map-Notify (RFC 9301 §5.7), with the NAT-traversal draft's I bit and xTR-ID/Site-ID."""

from __future__ import annotations

from dataclasses import dataclass

from .message import TYPE_MAP_NOTIFY, register
from .registration import NotifyBase

NAME = "Map-Notify"


@register
@dataclass(frozen=True, slots=True)
class MapNotify(NotifyBase):
    """Map-Notify (type 4): the body of a Map-Register (nonce, authentication, records).

    ``xtr_id``/``site_id`` follow draft-ietf-lisp-nat-traversal (I bit, as Wireshark, tcpdump and
    OOR read it); RFC 9301 itself has no xTR-ID here. Both forms decode.
    """

    nonce: int
    key_id: int
    records: tuple
    xtr_id: bytes | None = None
    site_id: bytes | None = None
    auth_data: bytes = b""
    alg_id: int | None = None

    TYPE = TYPE_MAP_NOTIFY
    NAME = NAME

    def __post_init__(self):
        self._check_common()

    @classmethod
    def for_register(cls, register_msg) -> "MapNotify":
        """The (unsigned) Map-Notify acknowledging ``register_msg`` (RFC 9301 §5.7: fields copied);
        sign it with ``sign(notify, key)``."""
        return cls(register_msg.nonce, register_msg.key_id, register_msg.records, register_msg.xtr_id,
                   register_msg.site_id, b"", register_msg.alg_id)
