"""Shared fixtures of the xTR test suite (kept small)."""

import importlib.util
import pathlib
import shutil
import subprocess
import sys

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


def support(name):
    """tests/support/<name>.py of the collection (``shared`` or ``yangcheck``), loaded once per process.

    Loaded by path because this suite's package is also called ``tests``. One module object per file
    matters: yangcheck compiles the Cisco models once per module object (12-45 s).
    """
    key = "lispnet_support_%s" % name
    if key not in sys.modules:
        if name == "yangcheck":
            # yangcheck imports shared_dir from the collection's package path first: point it at our copy.
            sys.modules.setdefault("ansible_collections.lispnet.lisp.tests.support.shared", support("shared"))
        spec = importlib.util.spec_from_file_location(key, REPO_ROOT / "tests" / "support" / (name + ".py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


_shared = support("shared")

# Wireshark's verdict on a clean LISP capture is silence (WIRE-NOTES "Wireshark as a second opinion").
TSHARK_PROBLEMS = '_ws.malformed || _ws.expert.severity >= "Warning" || (lisp && data)'


def tshark_problems(pcap_path) -> list[str]:
    """Lines tshark prints for packets of ``pcap_path`` it finds malformed, warns about, or leaves
    undissected after a LISP header; an empty list means a clean capture."""
    binary = shutil.which("tshark")
    if binary is None:
        pytest.fail("tshark is not installed: apt-get install tshark (see shared/design/WIRE-NOTES.md)", pytrace=False)
    proc = subprocess.run([binary, "-n", "-r", str(pcap_path), "-Y", TSHARK_PROBLEMS],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, "tshark failed: %s" % proc.stderr
    return [line for line in proc.stdout.splitlines() if line.strip()]


def tshark_json(pcap_path) -> list:
    """tshark's LISP dissection of ``pcap_path`` as JSON (no duplicate keys lost)."""
    import json  # pylint: disable=import-outside-toplevel  # only this helper needs it

    proc = subprocess.run(["tshark", "-n", "-r", str(pcap_path), "-T", "json", "-J", "lisp lisp-data", "--no-duplicate-keys"],
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(proc.stdout)


@pytest.fixture
def shared():
    """``shared(*parts)``: path into the shared test material (fails in CI, skips elsewhere)."""
    return _shared.require


@pytest.fixture
def wire_testdata(shared):
    """The folder of LISP captures and vectors from other implementations."""
    return shared("testdata", "wire")


@pytest.fixture
def tshark_check():
    """``tshark_check(pcap) -> list of problem lines`` (empty when Wireshark is happy)."""
    return tshark_problems
