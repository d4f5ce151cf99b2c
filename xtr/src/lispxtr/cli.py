"""``lisp-xtr``: run one router in the foreground, or a whole lab in the background.

    lisp-xtr run --state-dir DIR --name NAME [--address A] [--cli-port P] [--netconf-port Q]
                 [--host-eid EID ...] [--pcap FILE [--pcap-max-bytes N]] [--eid-tun IFNAME]
    lisp-xtr lab up [--topology FILE|NAME] --state-dir DIR [--base 127.N|auto] [--startup-config] [--pcap] [--reset]
    lisp-xtr lab down --state-dir DIR
    lisp-xtr lab status --state-dir DIR
    lisp-xtr lab list [--json]
    lisp-xtr lab check [--topology FILE|NAME] [--base 127.N|auto]
    lisp-xtr netns up|down|status|test ...   (root: the lab with real Linux hosts, lispxtr.netns)

The state directory may also be given as ``$LISP_XTR_STATE_DIR``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import warnings

from . import __version__

STATE_ENV = "LISP_XTR_STATE_DIR"
ADDRESS_IN_USE = 98  # exit status of lisp-xtr run when its address and port are taken (errno EADDRINUSE)
_PCAP_DEFAULT = 64 * 1024 * 1024  # wire.pcap.DEFAULT_MAX_BYTES (not imported: --help stays light)
_PCAP_MIN = 4 * (24 + 16 + 14 + 65535)  # wire.pcap.MIN_MAX_BYTES


def _pcap_max_bytes(text: str) -> int:
    if not text.isdigit() or int(text) < _PCAP_MIN:
        raise argparse.ArgumentTypeError("--pcap-max-bytes %r: expected a number of bytes, at least %d" % (text, _PCAP_MIN))
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lisp-xtr", description="Reference LISP router (RFC 9300/9301) "
                                     "managed like Cisco IOS-XE, and its lab runner.")
    parser.add_argument("--version", action="version", version="%(prog)s " + __version__)
    sub = parser.add_subparsers(dest="command", required=True)

    def state_dir(p):
        p.add_argument("--state-dir", default=os.environ.get(STATE_ENV), required=STATE_ENV not in os.environ,
                       help="lab state directory (default $%s)" % STATE_ENV)

    run = sub.add_parser("run", help="run one router in the foreground (until SIGTERM/SIGINT)")
    state_dir(run)
    run.add_argument("--name", required=True, help="device name (its state is STATE_DIR/NAME)")
    run.add_argument("--address", help="RLOC and management address (default: from STATE_DIR/NAME/node.json)")
    run.add_argument("--cli-port", type=int, help="SSH CLI port (default 2022)")
    run.add_argument("--netconf-port", type=int, help="NETCONF over SSH port (default 2830)")
    run.add_argument("--host-eid", action="append", default=None, help="EID of a host behind the router (repeatable)")
    run.add_argument("--pcap", metavar="FILE", help="write every LISP packet sent and received to this pcap file; when it reaches half "
                     "of --pcap-max-bytes it becomes FILE.1 (replacing the older one) and a new FILE starts")
    run.add_argument("--pcap-max-bytes", type=_pcap_max_bytes, default=None, metavar="N",
                     help="bound of FILE and FILE.1 together, in bytes (default %d = 64 MiB, at least %d)"
                     % (_PCAP_DEFAULT, _PCAP_MIN))
    run.add_argument("--eid-tun", metavar="IFNAME", help="route real hosts: read and write the EID side's IP packets "
                     "on this TUN device (created if missing; root; see docs/netns-lab.md)")
    run.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))

    lab = sub.add_parser("lab", help="start, stop or inspect a lab of routers on loopback")
    lab_sub = lab.add_subparsers(dest="lab_command", required=True)
    up = lab_sub.add_parser("up", help="start the lab in the background and write its inventory")
    state_dir(up)
    up.add_argument("--topology", help="topology file (YAML/JSON) or built-in name (default, writeup-configured, dual-stack)")
    up.add_argument("--startup-config", "--configured", dest="configured", action="store_true",
                    help="boot the three-router lab with the write-up's LISP configuration")
    up.add_argument("--pcap", action="store_true", help="each node captures its LISP packets to STATE_DIR/NAME/lisp.pcap")
    up.add_argument("--reset", action="store_true", help="rewrite every startup-config from the topology")
    up.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the devices (default 60)")
    base_help = ("run the topology on other addresses: 127.N maps each 127.a.b.c of the topology (addresses and "
                 "startup-configs) to 127.N.b.c; auto picks an N in 100..254 whose addresses are all free")
    up.add_argument("--base", metavar="127.N|auto", help=base_help)
    for name, text in (("down", "stop the lab's processes"), ("status", "show the state of the lab's devices")):
        state_dir(lab_sub.add_parser(name, help=text))
    listing = lab_sub.add_parser("list", help="list this user's running labs (state dir, topology, routers, addresses, pids)")
    listing.add_argument("--json", action="store_true", help="as JSON")
    check = lab_sub.add_parser("check", help="exit 0 when every address and port of the topology is free, else 1 "
                               "with one line naming the address, port and the process holding it")
    check.add_argument("--topology", help="topology file or built-in name (default: default)")
    check.add_argument("--base", metavar="127.N|auto", help=base_help)
    netns = sub.add_parser("netns", add_help=False, help="the lab in network namespaces with real Linux hosts (root; "
                           "lisp-xtr netns --help)")
    netns.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def _run(args) -> int:
    from .node import Node, ReplayStateError, StartupConfigError, read_node_json  # pylint: disable=import-outside-toplevel  # lazy: asyncssh
    from .portuse import AddressInUse  # pylint: disable=import-outside-toplevel  # with the node

    logging.basicConfig(level=getattr(logging, args.log_level), stream=sys.stderr,
                        format="%(asctime)s " + args.name + " %(levelname)s %(name)s: %(message)s")
    if args.log_level != "DEBUG":
        logging.getLogger("asyncssh").setLevel(logging.WARNING)  # one INFO line per SSH event otherwise
    saved = read_node_json(args.state_dir, args.name)
    address = args.address or saved.get("address")
    if not address:
        print("lisp-xtr run: --address is required (no %s/%s/node.json)" % (args.state_dir, args.name), file=sys.stderr)
        return 2
    node = Node(args.state_dir, args.name, address,
                cli_port=args.cli_port or saved.get("cli_port") or 2022,
                netconf_port=args.netconf_port or saved.get("netconf_port") or 2830,
                host_eids=args.host_eid if args.host_eid is not None else saved.get("host_eids", []),
                pcap=args.pcap, eid_tun=args.eid_tun or saved.get("eid_tun"), pcap_max_bytes=args.pcap_max_bytes)
    try:
        asyncio.run(node.serve_forever())
    except StartupConfigError as exc:
        print("lisp-xtr run: startup-config refused, nothing applied: %s" % exc, file=sys.stderr)
        return 2
    except ReplayStateError as exc:
        print("lisp-xtr run: %s" % exc, file=sys.stderr)
        return 2
    except AddressInUse as exc:  # one line, the last of node.log: lisp-xtr lab up shows it as it is
        print("lisp-xtr run: %s: %s" % (args.name, exc), file=sys.stderr)
        return ADDRESS_IN_USE
    except OSError as exc:
        print("lisp-xtr run: %s on %s: %s" % (args.name, address, exc), file=sys.stderr)
        return 1
    return 0


def main(argv=None) -> int:
    # cryptography deprecates DSA, which asyncssh still registers at import: not the user's business,
    # wherever lisp-xtr is installed (scripts/bootstrap quiets it for the whole .venv too).
    warnings.filterwarnings("ignore", message=r"DSA is deprecated", category=Warning)
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["netns"]:
        from . import netns  # pylint: disable=import-outside-toplevel  # lazy, like the lab

        return netns.main(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "run":
        return _run(args)
    from . import lab  # pylint: disable=import-outside-toplevel  # lazy: only the lab needs yaml

    if args.lab_command == "up":
        return lab.lab_up(args.state_dir, args.topology, configured=args.configured, pcap=args.pcap, reset=args.reset,
                          timeout=args.timeout, base=args.base)
    if args.lab_command == "down":
        return lab.lab_down(args.state_dir)
    if args.lab_command == "list":
        return lab.lab_list(as_json=args.json)
    if args.lab_command == "check":
        return lab.lab_check(args.topology, args.base)
    return lab.lab_status(args.state_dir)


if __name__ == "__main__":
    sys.exit(main())
