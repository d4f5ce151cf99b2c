# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: NETCONF session set-up and RPC round trips of the reference xTR, through ncclient.

Starts one router with ``lisp-xtr run`` on a loopback address (or uses ``--host`` to measure a
running device, e.g. a lab router or real IOS-XE) and reports the median and 90th percentile of:
connect (SSH + hello), ``get-config`` of running, ``get`` (config + Cisco-IOS-XE-lisp-oper
state), ``edit-config`` of running, and ``edit-config`` to candidate + ``commit``; and, to tell the
server's time from ncclient's (whose transport thread polls), ``get-config`` over a bare SSH channel.

    .venv/bin/python bench/mgmt_rpc.py [--repeat 20] [--sites 200]
    .venv/bin/python bench/mgmt_rpc.py --host 127.0.1.1 --port 2830 --username U --password P

``--sites N`` grows the configuration (N ``site`` blocks on the Map-Server) to see how the RPC
times scale with the size of the tree. Only 127.0.0.0/8 addresses are used when it starts its own
router.
"""

import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import paramiko
from ncclient import manager

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
NATIVE = "http://cisco.com/ns/yang/Cisco-IOS-XE-native"
LISP = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp"
ROOT = pathlib.Path(__file__).resolve().parents[1]
USER, PASSWORD = "bench", "bench-Pass1"


def startup_config(sites):
    lines = [
        "hostname BENCH",
        "username %s privilege 15 secret 0 %s" % (USER, PASSWORD),
        "router lisp",
        " service ipv4",
        "  map-server",
        "  map-resolver",
        "  exit-service-ipv4",
    ]
    for i in range(sites):
        lines += [
            " site S%05d" % i,
            "  authentication-key 0 KEY-%05d" % i,
            "  eid-record 10.%d.%d.0/24 accept-more-specifics" % (i // 256, i % 256),
            "  exit-site",
        ]
    lines.append(" exit-router-lisp")
    return "\n".join(lines) + "\n"


# The host keys this benchmark trusts: the key of the router it started (read from its state
# directory), or those of --known-hosts for --host; a key first seen on connect is refused.
KNOWN_HOSTS = paramiko.HostKeys()


def trust_router_key(key_file, address, ports):
    key = paramiko.PKey.from_path(str(key_file))
    for port in ports:
        KNOWN_HOSTS.add("[%s]:%d" % (address, port), key.get_name(), key)


def host_key_b64(host, port):
    keys = KNOWN_HOSTS.lookup(host if port == 22 else "[%s]:%d" % (host, port))
    if not keys:
        raise SystemExit("no known host key for %s:%d (--known-hosts)" % (host, port))
    return next(iter(keys.values())).get_base64()


def start_router(address, port, sites):
    state = pathlib.Path(tempfile.mkdtemp(prefix="mgmt-bench-"))
    (state / "BENCH").mkdir()
    (state / "BENCH" / "startup-config").write_text(startup_config(sites), encoding="utf-8")
    exe = shutil.which("lisp-xtr") or str(pathlib.Path(sys.executable).with_name("lisp-xtr"))
    proc = subprocess.Popen(  # pylint: disable=consider-using-with  # lives for the whole run
        [
            exe,
            "run",
            "--state-dir",
            str(state),
            "--name",
            "BENCH",
            "--address",
            address,
            "--cli-port",
            str(port - 1),
            "--netconf-port",
            str(port),
            "--log-level",
            "WARNING",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("lisp-xtr run exited: %s" % proc.stderr.read().decode(errors="replace"))
        try:
            trust_router_key(state / "BENCH" / "ssh_host_key", address, (port - 1, port))
            with connect(address, port, USER, PASSWORD):
                return proc, state
        except Exception:  # pylint: disable=broad-exception-caught  # not listening yet
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the router did not come up on %s:%d" % (address, port))


def connect(host, port, username, password):
    return manager.connect(
        host=host,
        port=port,
        username=username,
        password=password,
        device_params={"name": "iosxe"},
        hostkey_verify=True,
        hostkey_b64=host_key_b64(host, port),
        look_for_keys=False,
        allow_agent=False,
        timeout=60,
    )


def edit(name):
    return (
        '<config xmlns="%s"><native xmlns="%s"><router><lisp xmlns="%s"><locator-set><name>%s</name>'
        "<ip-address><ip>127.0.0.9</ip><priority-and-weight><priority>1</priority><weight>1</weight>"
        "</priority-and-weight></ip-address></locator-set></lisp></router></native></config>" % (NC, NATIVE, LISP, name)
    )


def raw_get_config(host, port, username, password, repeat):
    """get-config over a bare SSH channel (base:1.0 framing): the server's own time, without
    ncclient's polling of its transport thread."""
    client = paramiko.SSHClient()
    for name, keys in KNOWN_HOSTS.items():
        for key_type, key in keys.items():
            client.get_host_keys().add(name, key_type, key)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(host, port, username, password, look_for_keys=False, allow_agent=False, timeout=30)
    try:
        chan = client.get_transport().open_session()
        chan.invoke_subsystem("netconf")

        def read_message():
            buf = b""
            while b"]]>]]>" not in buf:
                chunk = chan.recv(1 << 20)
                if not chunk:
                    raise SystemExit("the server closed the NETCONF channel")
                buf += chunk
            return buf

        read_message()
        chan.sendall(
            b'<hello xmlns="%s"><capabilities><capability>urn:ietf:params:netconf:base:1.0'
            b"</capability></capabilities></hello>]]>]]>" % NC.encode()
        )

        def one(i):
            chan.sendall(
                b'<rpc xmlns="%s" message-id="%d"><get-config><source><running/></source></get-config>'
                b"</rpc>]]>]]>" % (NC.encode(), i)
            )
            read_message()

        return timed(one, repeat)
    finally:
        client.close()


def timed(func, repeat):
    samples = []
    for i in range(repeat):
        start = time.perf_counter()
        func(i)
        samples.append((time.perf_counter() - start) * 1000.0)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.9))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--host", help="measure this running device instead of starting one")
    parser.add_argument("--port", type=int, default=2830)
    parser.add_argument("--known-hosts", default="~/.ssh/known_hosts", help="host keys of --host (default ~/.ssh/known_hosts)")
    parser.add_argument("--username", default=USER)
    parser.add_argument("--password", default=os.environ.get("BENCH_NETCONF_PASSWORD", PASSWORD))
    parser.add_argument("--address", default="127.0.54.1", help="loopback address of the router started here")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--sites", type=int, default=200)
    args = parser.parse_args(argv)

    proc = state = None
    host = args.host
    if host is not None:
        KNOWN_HOSTS.load(os.path.expanduser(args.known_hosts))
    else:
        host = args.address
        proc, state = start_router(host, args.port, args.sites)
    try:
        results = {}
        results["connect + hello"] = timed(
            lambda i: connect(host, args.port, args.username, args.password).close_session(), args.repeat
        )
        with connect(host, args.port, args.username, args.password) as m:
            size = len(m.get_config("running").xml)
            results["get-config running (%d bytes)" % size] = timed(lambda i: m.get_config("running"), args.repeat)
            results["get (config + oper)"] = timed(lambda i: m.get(), args.repeat)
            results["edit-config running"] = timed(
                lambda i: m.edit_config(target="running", config=edit("BENCH-R%d" % i)), args.repeat
            )

            def candidate(i):
                m.edit_config(target="candidate", config=edit("BENCH-C%d" % i))
                m.commit()

            results["edit-config candidate + commit"] = timed(candidate, args.repeat)
        results["get-config, bare SSH channel"] = raw_get_config(
            host, args.port, args.username, args.password, args.repeat
        )
        print("%-40s %10s %10s" % ("NETCONF via ncclient (%d runs)" % args.repeat, "median ms", "p90 ms"))
        for name, (median, p90) in results.items():
            print("%-40s %10.1f %10.1f" % (name, median, p90))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
            shutil.rmtree(state, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
