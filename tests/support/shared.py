"""Locate the shared test material (RFCs, Cisco YANG models, recorded IOS-XE output, wire vectors).

One configurable path: the environment variable ``LISPNET_SHARED_DIR``; without it, the folder
``shared`` beside the collection root (``<root>/../shared``). CI (``CI=true``) must have it: a
missing folder is a test failure there. Elsewhere the tests that need it report themselves skipped,
naming the path looked at and how to obtain the data.
"""

import json
import os
import pathlib

ENV_VAR = "LISPNET_SHARED_DIR"
ROOT = pathlib.Path(__file__).resolve().parents[2]
# ansible-test passes only a fixed set of environment variables to the tests it runs, so
# scripts/test also writes the two settings into this (git-ignored) file of its collection copy.
ENV_FILE = pathlib.Path(__file__).resolve().parent / "test-env.json"


def _setting(name):
    value = os.environ.get(name)
    if value:
        return value
    try:
        with open(ENV_FILE, encoding="utf-8") as handle:
            return json.load(handle).get(name)
    except (OSError, ValueError):
        return None


HOW_TO_GET = (
    "Set LISPNET_SHARED_DIR to a folder holding design/, rfc/, testdata/ and yang/iosxe-1791/. "
    "The YANG models come from the public YangModels/yang repository, vendor/cisco/xe/1791/ "
    "(Cisco-IOS-XE-lisp.yang, Cisco-IOS-XE-lisp-oper.yang, Cisco-IOS-XE-native.yang and the modules they import); "
    "the recorded IOS-XE outputs from the genieparser project's golden test data."
)


def shared_dir():
    """Return the configured shared folder as a Path (it may not exist)."""
    configured = _setting(ENV_VAR)
    if configured:
        return pathlib.Path(configured).resolve()
    return (ROOT.parent / "shared").resolve()


def in_ci():
    return (_setting("CI") or "").lower() in ("1", "true", "yes")


def require(*parts):
    """Return shared_dir()/parts, or fail (in CI) / skip (elsewhere) with the reason.

    Only for pytest-based tests; imports pytest lazily so the module stays importable anywhere.
    """
    import pytest  # pylint: disable=import-outside-toplevel  # only test code calls this

    path = shared_dir().joinpath(*parts)
    if path.exists():
        return path
    message = "shared test data not found at %s. %s" % (path, HOW_TO_GET)
    if in_ci():
        pytest.fail("CI=true but " + message, pytrace=False)
    pytest.skip(message)
    return path  # not reached
