"""The sans-I/O LISP core (RFC 9301, RFC 9300): roles as state machines, and the show renderers.

``Router`` composes the roles of one device and is what the asyncio shell, the SSH CLI and the
NETCONF server use: ``apply_config``, ``receive``, ``next_timer``/``handle_timer``, ``send_echo``,
``events``, ``clear_map_cache``, ``show``, ``oper_state``, ``counters``. Each role is usable alone:
``MapServer`` (sites, registrations, replay protection, proxy-reply/forwarding, negative answers),
``MapResolver``, ``Itr`` over a ``MapCache`` (``PrefixTable`` longest-prefix match), ``Etr``.
Nothing here opens a socket, sleeps or reads a clock: time is always passed in.
"""

from .etr import Etr
from .itr import Itr
from .map_cache import MapCache, MapCacheEntry, PrefixTable
from .map_resolver import MapResolver
from .map_server import MapServer, SiteConfig
from .router import Router
from .types import EchoReply, Send

__all__ = ["EchoReply", "Etr", "Itr", "MapCache", "MapCacheEntry", "MapResolver", "MapServer", "PrefixTable",
           "Router", "Send", "SiteConfig"]
