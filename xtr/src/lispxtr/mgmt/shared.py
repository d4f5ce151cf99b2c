"""What the management sessions of one node share so that they stay out of the LISP sockets' way.

All management work runs on the router's one asyncio loop, next to the LISP control sockets.
`operation(node)` is one `asyncio.Lock` per node (and loop): each NETCONF RPC and each CLI
command runs under it, one at a time, so the sessions waiting for it are not ready and the loop
polls its sockets between two operations; a Map-Request then waits for at most one of them.

The caches spare ten sessions polling the same data from building it ten times: the
running-config text and XML until the next commit (a commit makes a new `node.running` tree), the
Cisco-IOS-XE-lisp-oper XML for up to `OPER_MAX_AGE` seconds (or until a commit or a clear of the
map-cache, see `invalidate_oper`). Callers get their own copies of cached XML.
"""

import asyncio
import copy
import dataclasses
import time
import weakref

from .. import config as cfg
from . import oper

OPER_MAX_AGE = 1.0  # seconds a built oper tree is served again


@dataclasses.dataclass
class _Shared:
    """The lock and caches of one node."""

    loop: object = None  # the loop `lock` belongs to
    lock: asyncio.Lock | None = None
    text: tuple | None = None  # (running tree, its running-config text)
    xml: tuple | None = None  # (running tree, its XML)
    oper: tuple | None = None  # (running tree, build time, <lisp-state>)


_SHARED = weakref.WeakKeyDictionary()


def _shared(node):
    state = _SHARED.get(node)
    if state is None:
        state = _SHARED[node] = _Shared()
    return state


def operation(node):
    """The lock that serialises the management operations of `node` on the running loop."""
    state = _shared(node)
    loop = asyncio.get_running_loop()
    if state.lock is None or state.loop is not loop:
        state.loop = loop
        state.lock = asyncio.Lock()
    return state.lock


async def serialised(node, func, *args, hold=True):
    """Run `func(*args)` as one management operation of `node`; return its result.

    When the lock is free, `func` runs at once (no extra loop pass before it). With `hold`, the
    lock is then kept for one more loop pass: sessions that become ready in the same pass find it
    taken and wait (a lock only ever held synchronously would never be seen taken), and the next
    pass serves the sockets polled meanwhile before the next operation starts. `hold=False` is for
    a session that ends right after (an SSH exec request), which must not yield before it answers.
    """
    async with operation(node):
        result = func(*args)
        if hold:
            await asyncio.sleep(0)
    return result


def running_text(node):
    """`cfg.render_running_config(node.running)`, rendered once per running tree."""
    state = _shared(node)
    tree = node.running
    if state.text is None or state.text[0] is not tree:
        state.text = (tree, cfg.render_running_config(tree))
    return state.text[1]


def tree_xml(node, tree):
    """`cfg.tree_to_xml(tree)` (a fresh copy); built once per running tree, other trees each time."""
    if tree is not node.running:
        return cfg.tree_to_xml(tree)
    state = _shared(node)
    if state.xml is None or state.xml[0] is not tree:
        state.xml = (tree, cfg.tree_to_xml(tree))
    return copy.deepcopy(state.xml[1])


def oper_xml(node):
    """The `<lisp-state>` of `node` (a fresh copy), built at most once per OPER_MAX_AGE seconds."""
    state = _shared(node)
    now = time.monotonic()
    cached = state.oper
    if cached is None or cached[0] is not node.running or not 0 <= now - cached[1] < OPER_MAX_AGE:
        cached = state.oper = (node.running, now, oper.oper_xml(node.router.oper_state(node.now()), node.address))
    return copy.deepcopy(cached[2])


def invalidate_oper(node):
    """The LISP state changed by a management command (e.g. a clear of the map-cache)."""
    state = _SHARED.get(node)
    if state is not None:
        state.oper = None
