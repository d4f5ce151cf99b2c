"""LISP on the wire: one small type per message (RFC 9301 §5, RFC 9300 §5.3, RFC 8060 addresses).

Every message type has ``encode() -> bytes`` and classmethod ``decode(data)``; ``decode_control``
dispatches a UDP 4342 payload on its type nibble. Decoding bad bytes raises ``LispWireError`` and
nothing else.
"""

from .address import (AFI_IPV4, AFI_IPV6, AFI_LCAF, AFI_MAC, AFI_NONE, Address, InstanceId, Ipv4, Ipv6, Lcaf, Mac,
                      address_from_ip, decode_address, eid_from_prefix, eid_prefix, encode_address)
from .auth import KEY_HMAC_SHA1, KEY_HMAC_SHA256, KEY_HMAC_SHA256_HKDF, KEY_NONE, sign, verify
from .data import DataHeader
from .ecm import EncapsulatedControl
from .errors import LispWireError
from .map_notify import MapNotify
from .map_notify_ack import MapNotifyAck
from .map_register import MapRegister
from .map_reply import MapReply
from .map_request import MapRequest
from .message import TYPE_NAMES, Message, decode_control
from .record import (ACTION_DROP, ACTION_DROP_AUTH_FAILURE, ACTION_DROP_POLICY_DENIED, ACTION_NAMES,
                     ACTION_NATIVELY_FORWARD, ACTION_NO_ACTION, ACTION_SEND_MAP_REQUEST, TTL_LOCAL_DECIDES,
                     EidRecord, Locator)

CONTROL_PORT = 4342
DATA_PORT = 4341

__all__ = [
    "ACTION_DROP", "ACTION_DROP_AUTH_FAILURE", "ACTION_DROP_POLICY_DENIED", "ACTION_NAMES", "ACTION_NATIVELY_FORWARD",
    "ACTION_NO_ACTION", "ACTION_SEND_MAP_REQUEST", "AFI_IPV4", "AFI_IPV6", "AFI_LCAF", "AFI_MAC", "AFI_NONE",
    "Address", "CONTROL_PORT", "DATA_PORT", "DataHeader", "EidRecord", "EncapsulatedControl", "InstanceId", "Ipv4",
    "Ipv6", "KEY_HMAC_SHA1", "KEY_HMAC_SHA256", "KEY_HMAC_SHA256_HKDF", "KEY_NONE", "Lcaf", "LispWireError",
    "Locator", "Mac", "MapNotify", "MapNotifyAck", "MapRegister", "MapReply", "MapRequest", "Message",
    "TTL_LOCAL_DECIDES", "TYPE_NAMES", "address_from_ip", "decode_address", "decode_control", "eid_from_prefix",
    "eid_prefix", "encode_address", "sign", "verify",
]
