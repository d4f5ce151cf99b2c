"""Render the config tree as IOS-XE 17 prints it (``show running-config`` and ``| section``).

The ``router lisp`` block follows IOS-XE 16.x/17.x: one space of indent per mode, each sub-mode closed
by its ``exit-<mode>`` line, and `` !`` separating the blocks (shared/design/IOSXE-NOTES.md).
Order: locator-sets, ``service ipv4``, ``service ipv6``, instance-ids (ascending),
``loc-reach-algorithm rloc-probing``, sites; inside each,
the order the lines were configured in, except that locators are grouped IPv4-interface,
IPv6-interface, addresses (as the YANG model lists them).

``service password-encryption`` follows ``version``; ``password encryption aes`` follows
``hostname``; the master key (``key config-key password-encrypt``) is never shown, as on IOS-XE.

Secrets are shown as IOS shows them: ``secret 9 $9$...`` (a tree built in Python with a clear-text
secret is hashed here with a salt derived from the user name and secret, so the text is stable),
``password 0|7 ...``, LISP keys with their type (``key 0 K``, ``authentication-key 7 ...``).
"""

import re

from . import limits, secrets
from .model import ConfigError

VERSION = "17.9"


def _secret_text(name, stored, stored_type, keyword):
    if keyword == "secret" and stored_type == 0:
        return "9 " + secrets.hash_type9(stored, secrets.deterministic_salt(name, stored))
    return "%d %s" % (stored_type, stored)


def enable_line(tree):
    """``enable secret 9 $9$...`` (None without an enable secret)."""
    if tree.enable_secret is None:
        return None
    return "enable secret %s" % _secret_text("enable", tree.enable_secret, tree.enable_secret_type, "secret")


def user_line(name, user):
    """``username NAME [privilege N] secret 9 $9$...`` / ``... password 0|7 ...``."""
    privilege = "" if user.privilege == 1 else " privilege %d" % user.privilege
    return "username %s%s %s %s" % (name, privilege, user.keyword, _secret_text(name, user.secret, user.secret_type, user.keyword))


def _locator_line(entry):
    if entry.interface is not None:
        head = "%s-interface %s" % ("IPv6" if entry.family == "ipv6" else "IPv4", entry.interface)
    else:
        head = entry.address
    return "%s priority %d weight %d" % (head, entry.priority, entry.weight)


def _service_lines(family, service):
    out = [" service %s" % family]
    for address in service.map_resolvers:
        out.append("  itr map-resolver %s" % address)
    if service.itr:
        out.append("  itr")
    for address, ref in service.map_servers.items():
        if ref.key is not None:
            line = "  etr map-server %s key %d %s" % (address, ref.key_type, ref.key)
            if ref.hash_function:
                line += " hash-function %s" % ref.hash_function
            out.append(line)
        if ref.proxy_reply:
            out.append("  etr map-server %s proxy-reply" % address)
    if service.etr:
        out.append("  etr")
    for address, pw in service.use_petr.items():
        out.append("  use-petr %s" % address + ("" if pw is None else " priority %d weight %d" % pw))
    if service.proxy_etr:
        out.append("  proxy-etr")
    if service.proxy_itr:
        out.append("  proxy-itr %s" % " ".join(service.proxy_itr))
    if service.map_server:
        out.append("  map-server")
    if service.map_resolver:
        out.append("  map-resolver")
    out.append("  exit-service-%s" % family)
    out.append(" !")
    return out


def _instance_lines(iid, instance):
    out = [" instance-id %d" % iid]
    for family in ("ipv4", "ipv6"):
        service = instance.services.get(family)
        if service is None:
            continue
        out.append("  service %s" % family)
        out.append("   eid-table %s" % service.eid_table)
        for eid_prefix, locator_set in service.database_mappings.items():
            out.append("   database-mapping %s locator-set %s" % (eid_prefix, locator_set))
        for eid_prefix, action in service.map_cache.items():
            out.append("   map-cache %s %s" % (eid_prefix, action))
        out.append("   exit-service-%s" % family)
        out.append("  !")
    out.append("  exit-instance-id")
    out.append(" !")
    return out


def _site_lines(name, site):
    out = [" site %s" % name]
    if site.description is not None:
        out.append("  description %s" % site.description)
    if site.auth_key is not None:
        out.append("  authentication-key %d %s" % (site.key_type, site.auth_key))
    for (iid, eid_prefix), record in site.eid_records.items():
        line = "  eid-record %s" % eid_prefix if iid == 0 else "  eid-record instance-id %d %s" % (iid, eid_prefix)
        if record.accept_more_specifics:
            line += " accept-more-specifics"
        out.append(line)
    for address in site.allowed_locators:
        out.append("  allowed-locator %s" % address)
    out.append("  exit-site")
    out.append(" !")
    return out


def router_lisp_lines(lisp):
    """The ``router lisp`` block as a list of lines (empty when lisp is None)."""
    if lisp is None:
        return []
    out = ["router lisp"]
    for name, locator_set in lisp.locator_sets.items():
        out.append(" locator-set %s" % name)
        out.extend("  " + _locator_line(entry) for entry in locator_set.locators)
        out.append("  exit-locator-set")
        out.append(" !")
    for family in ("ipv4", "ipv6"):
        if family in lisp.services:
            out.extend(_service_lines(family, lisp.services[family]))
    for iid in sorted(lisp.instances):
        out.extend(_instance_lines(iid, lisp.instances[iid]))
    if lisp.rloc_probing:
        out.append(" loc-reach-algorithm rloc-probing")
    for name, site in lisp.sites.items():
        out.extend(_site_lines(name, site))
    out.append(" exit-router-lisp")
    return out


def config_lines(tree):
    """The body of the running configuration, from the first ``!`` to ``end``."""
    out = ["!", "version %s" % VERSION]
    if tree.password_encryption:
        out.append("service password-encryption")
    out += ["!", "hostname %s" % tree.hostname, "!"]
    if tree.password_encryption_aes:
        out.append("password encryption aes")
        out.append("!")
    if tree.enable_secret is not None:
        out.append(enable_line(tree))
        out.append("!")
    if tree.users:
        for name, user in tree.users.items():
            out.append(user_line(name, user))
        out.append("!")
    out.extend(limits.render_lines(tree))
    lisp = router_lisp_lines(tree.lisp)
    if lisp:
        out.extend(lisp)
        out.append("!")
    out.append("end")
    for lineno, line in enumerate(out, 1):
        if not line.isprintable():
            # Defence in depth: both doors refuse such values, so only a tree built in Python can
            # get here. A control character would end its line and start another: never write it.
            # (The line itself is not quoted: it may hold a key.)
            raise ConfigError("refusing to render configuration line %d ('%s ...'): it has a control character"
                              % (lineno, line.split(None, 1)[0] if line.split() else ""))
    return out


def render_running_config(tree, *, header=True):
    """``show running-config``: the whole configuration text (ends with a newline).

    header: start with ``Building configuration...`` and ``Current configuration : N bytes`` as IOS
    does (N counts the bytes from the first ``!`` through ``end``).
    """
    body = "\n".join(config_lines(tree)) + "\n"
    if not header:
        return body
    return "Building configuration...\n\nCurrent configuration : %d bytes\n%s" % (len(body.encode("utf-8")), body)


def render_section(tree, pattern):
    """``show running-config | section PATTERN``: every line matching the regular expression PATTERN,
    each followed by the lines indented under it (IOS prints nothing when nothing matches)."""
    regex = re.compile(pattern)
    lines = config_lines(tree)
    out = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if regex.search(line):
            indent = len(line) - len(line.lstrip(" "))
            out.append(line)
            index += 1
            while index < len(lines) and len(lines[index]) - len(lines[index].lstrip(" ")) > indent:
                out.append(lines[index])
                index += 1
            continue
        index += 1
    return "".join(line + "\n" for line in out)
