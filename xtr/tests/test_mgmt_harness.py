"""Test bench of the management plane: one router's SSH CLI and NETCONF listeners, run by an
asyncio loop in a background thread, so that the blocking clients (Netmiko, ncclient) can drive it
from the test thread exactly as they drive a real IOS-XE router.

The router is `BenchNode`: the real `lispxtr.node.Node` (config tree, LISP core, UDP sockets,
`start_management`) with a few test hooks: scripted show texts, a commit counter and scripted
echo results for `ping` (which otherwise needs a second router to answer).
"""

import asyncio
import random
import socket
import threading

from lispxtr import config as cfg
from lispxtr.core.router import Router
from lispxtr.node import Node

from .conftest import support

USER, PASSWORD, SECRET = "admin", "s3cret-Admin", "en4ble-Secret"
OPER_USER, OPER_PASSWORD = "oper", "0per-Pass"

SITE1_CONFIG = """\
hostname SITE1
username admin privilege 15 secret 0 s3cret-Admin
username oper privilege 1 secret 0 0per-Pass
enable secret 0 en4ble-Secret
router lisp
 locator-set RLOCS
  127.0.1.1 priority 10 weight 50
  exit-locator-set
 service ipv4
  itr map-resolver 127.0.10.1
  itr
  etr map-server 127.0.10.1 key 0 SITE1-KEY
  etr
  exit-service-ipv4
 instance-id 0
  service ipv4
   eid-table default
   database-mapping 192.168.1.0/24 locator-set RLOCS
   map-cache 0.0.0.0/0 map-request
   exit-service-ipv4
  exit-instance-id
 exit-router-lisp
"""


MR_MS_CONFIG = """\
hostname MR_MS
username admin privilege 15 secret 0 s3cret-Admin
router lisp
 service ipv4
  map-server
  map-resolver
  exit-service-ipv4
 site SITE1
  description Branch 1
  authentication-key 0 SITE1-KEY
  eid-record 192.168.1.0/24 accept-more-specifics
  exit-site
 exit-router-lisp
"""


class BenchRouter(Router):
    """The real LISP core; `extra_shows` adds scripted texts (long outputs) and `cleared` records
    the map-cache clears the CLI asked for."""

    def __init__(self, hostname, rloc):
        super().__init__(hostname=hostname, rloc=rloc, host_eids=["192.168.1.1"])
        self.extra_shows = {}
        self.cleared = []

    def show(self, command, now):
        if command in self.extra_shows:
            return self.extra_shows[command]
        return super().show(command, now)

    def clear_map_cache(self, iid=None, afi="ipv4"):
        self.cleared.append((iid, afi))
        super().clear_map_cache(iid, afi)


class BenchNode(Node):
    """The real `lispxtr.node.Node` with the BenchRouter core, a commit counter, and scripted echo
    results for `ping` (which otherwise needs a second router to answer)."""

    def __init__(self, state_dir, address, cli_port=2022, netconf_port=2830):
        super().__init__(
            state_dir, "SITE1", address, cli_port=cli_port, netconf_port=netconf_port, host_eids=["192.168.1.1"]
        )
        self.router = BenchRouter("SITE1", address)
        self.ping_script = [False, True, True, True, True]
        self.commits = 0

    def reset(self, config_text=SITE1_CONFIG):
        """Back to the bench configuration (running and startup), between tests."""
        self.startup_path.write_text(config_text, encoding="utf-8")
        Node.commit(self, cfg.parse_config(config_text))
        self.commits = 0

    def commit(self, new_tree):
        super().commit(new_tree)
        self.commits += 1

    async def ping(self, dst, source=None, repeat=5, timeout=2.0, size=100):
        for i in range(repeat):
            await asyncio.sleep(0.01)
            ok = self.ping_script[i % len(self.ping_script)]
            yield ok, (1.0 + i if ok else None)


class Bench:
    """An event loop in a thread running one BenchNode (LISP sockets and management listeners)."""

    def __init__(self, state_dir, address, config_text=SITE1_CONFIG, **kwargs):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.node = BenchNode(state_dir, address, **kwargs)
        self.node.dir.mkdir(parents=True, exist_ok=True)
        self.node.startup_path.write_text(config_text, encoding="utf-8")
        self.run(self.node.start())

    def run(self, coro, timeout=30):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, func, *args):
        """Run a plain function in the loop thread (the node is not thread-safe)."""

        async def wrapper():
            return func(*args)

        return self.run(wrapper())

    def close(self):
        self.run(self.node.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def make_bench(tmp_path_factory, second_octet, config_text=SITE1_CONFIG, **kwargs):
    """A bench on a free 127.<second_octet>.N.1 (N random), so that concurrent runs of the suite
    on one machine do not collide on the fixed ports (LISP 4341/4342, CLI 2022, NETCONF 2830)."""
    address = free_address(second_octet, **kwargs)
    return Bench(tmp_path_factory.mktemp("state"), address, config_text, **kwargs)


def free_address(second_octet, cli_port=2022, netconf_port=2830):
    rng = random.Random()
    for _unused in range(50):
        address = "127.%d.%d.1" % (second_octet, rng.randrange(1, 255))
        try:
            for kind, port in (
                (socket.SOCK_STREAM, cli_port),
                (socket.SOCK_STREAM, netconf_port),
                (socket.SOCK_DGRAM, 4342),
                (socket.SOCK_DGRAM, 4341),
            ):
                with socket.socket(socket.AF_INET, kind) as probe:
                    probe.bind((address, port))
        except OSError:
            continue
        return address
    raise RuntimeError("no free 127.%d.x.1 address" % second_octet)


def yangcheck():
    """tests/support/yangcheck.py of the repository (the `tests` package name is taken here)."""
    return support("yangcheck")


def yang_dir():
    """The Cisco YANG models (fails in CI, skips elsewhere when absent: tests/support/shared.py)."""
    return str(support("shared").require("yang", "iosxe-1791"))
