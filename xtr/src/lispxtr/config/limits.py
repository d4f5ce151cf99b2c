"""The management plane's login limits, as IOS-XE configures them (global configuration mode)::

    ip ssh authentication-retries 0-5    default 3     | no ip ssh authentication-retries
    ip ssh time-out 1-120                default 120   | no ip ssh time-out
    ip ssh maxstartups 2-128             default 128   | no ip ssh maxstartups
    login block-for 1-65535 attempts 1-65535 within 1-65535   off by default   | no login block-for

``show running-config`` prints a line only when its value is not the default, as IOS-XE does. The
SSH listeners (mgmt/sshserver.py) read these values from the running tree at each connection and each
failed login, so a change applies at once to new connections.

NETCONF: ``login block-for`` is ``/native/login/block-config/{block-for,attempts,within}`` of
Cisco-IOS-XE-native (config/xml.py). The ``ip ssh`` leaves live in the Cisco-IOS-XE-ip submodule, which
is not published with the 17.9.1 models this router follows, so they are CLI-only (a NETCONF edit keeps
them as they are).
"""

from dataclasses import dataclass

from . import values

DEFAULT_AUTH_RETRIES = 3
DEFAULT_TIME_OUT = 120
DEFAULT_MAXSTARTUPS = 128
_SSH_FIELDS = {
    # keyword: (attribute, low, high, default)
    "authentication-retries": ("auth_retries", 0, 5, DEFAULT_AUTH_RETRIES),
    "time-out": ("time_out", 1, 120, DEFAULT_TIME_OUT),
    "maxstartups": ("maxstartups", 2, 128, DEFAULT_MAXSTARTUPS),
}
# The order IOS-XE prints them in.
_SSH_ORDER = ("time-out", "authentication-retries", "maxstartups")


@dataclass
class LoginLimits:
    """``ip ssh ...`` and ``login block-for``: block_for is (seconds, attempts, within) or None."""

    auth_retries: int = DEFAULT_AUTH_RETRIES
    time_out: int = DEFAULT_TIME_OUT
    maxstartups: int = DEFAULT_MAXSTARTUPS
    block_for: tuple[int, int, int] | None = None


def limits_of(tree):
    """The LoginLimits of a tree (the defaults for a tree built without them)."""
    limits = getattr(tree, "limits", None)
    return limits if limits is not None else LoginLimits()


def parse_ip(tree, cur, negated):
    """After ``[no] ip``: ``ssh authentication-retries|time-out|maxstartups N``; returns the action."""
    cur.keyword(("ssh",))
    word = cur.keyword(_SSH_ORDER)
    attribute, low, high, default = _SSH_FIELDS[word]
    if negated:
        if not cur.at_end():
            cur.value(values.uint, "ip ssh %s" % word, low, high)
        cur.done()
        value = default
    else:
        value = cur.value(values.uint, "ip ssh %s" % word, low, high)
        cur.done()

    def apply():
        tree.limits = limits_of(tree)
        setattr(tree.limits, attribute, value)

    return apply


def parse_login(tree, cur, negated):
    """After ``[no] login``: ``block-for S attempts N within W``; returns the action."""
    cur.keyword(("block-for",))
    if negated:
        cur.skip_rest()
        block = None
    else:
        seconds = cur.value(values.uint, "login block-for", 1, 65535)
        cur.keyword(("attempts",))
        attempts = cur.value(values.uint, "login block-for attempts", 1, 65535)
        cur.keyword(("within",))
        within = cur.value(values.uint, "login block-for within", 1, 65535)
        cur.done()
        block = (seconds, attempts, within)

    def apply():
        tree.limits = limits_of(tree)
        tree.limits.block_for = block

    return apply


def render_lines(tree):
    """The running-config lines of the non-default limits (each group followed by ``!``)."""
    limits = limits_of(tree)
    out = []
    if limits.block_for is not None:
        out.append("login block-for %d attempts %d within %d" % limits.block_for)
        out.append("!")
    ssh = []
    for word in _SSH_ORDER:
        attribute, _low, _high, default = _SSH_FIELDS[word]
        value = getattr(limits, attribute)
        if value != default:
            ssh.append("ip ssh %s %d" % (word, value))
    if ssh:
        out.extend(ssh)
        out.append("!")
    return out
