# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The configuration a device should hold after a resource-module state is applied.

``compute_after(resource, state, have, want)`` takes what the device holds (``have``, any form the
model accepts; ``None`` means nothing) and the task's ``config`` (``want``; the want form of
``model.normalize`` or raw) and returns the state form of ``after`` (``model.canonical``). The
codecs turn the pair ``(before, after)`` into the change to send, so the change is exactly what
differs and a second run sends nothing.

The states, as the cisco.ios resource modules define them:

merged
    What is given is added or updated; nothing is removed. Dicts merge key by key, list entries
    merge with the entry of the same key (a site by name, an EID record by instance-id and prefix,
    a locator-set by name, a locator by address or interface, a map-server / use-petr by address,
    an instance by instance-id, a database-mapping / map-cache entry by prefix); address lists gain
    the given addresses (``proxy_itr`` and ``allowed_locators`` hold one address per family, so a
    given address replaces the one of its family).
replaced
    Each given top-level entry or subtree replaces its counterpart wholly (a whole site, a whole
    locator-set, a whole instance, the whole ``ipv4`` service of an xTR); what is not given stays.
overridden
    The resource becomes exactly ``want``; what ``want`` does not hold is removed.
deleted
    With no config (or an empty one) the whole resource is removed. Otherwise each given list entry
    is removed as a whole; an entry that carries nested options (a dict or a list, even empty: an
    instance with ``ipv4.map_cache`` entries, a site with ``eid_records``) is kept and only what is
    nested is removed. In a dict, a given subtree that is empty (``ipv4: {}``) is removed whole, a
    boolean given true is turned off, another value is removed when it equals the device's.
"""

from __future__ import annotations

import copy

from ansible_collections.lispnet.lisp.plugins.plugin_utils.model import (
    Obj,
    Scalar,
    Seq,
    canonical,
    entry_key,
    normalize,
    schema,
)

STATES = ("merged", "replaced", "overridden", "deleted")


def compute_after(resource, state, have, want):
    """The state form of the configuration after ``state`` is applied with ``want`` on ``have``."""
    node = schema(resource)
    have = canonical(resource, have)
    want = normalize(resource, want)
    if state not in STATES:
        raise ValueError("state %r does not change the configuration (expected one of %s)" % (state, ", ".join(STATES)))
    if state == "overridden":
        after = want
    elif want is None:
        after = None if state == "deleted" else have  # merged/replaced need a config: nothing to do without one
    elif state == "merged":
        after = _merge(node, have, want)
    elif state == "replaced":
        after = _replace(node, have, want)
    else:
        after = _delete(node, have, want) if want else None
    return canonical(resource, after)


# -- merged ---------------------------------------------------------------------------------------


def _merge(node, have, want):
    if want is None:
        return copy.deepcopy(have)
    if have is None or isinstance(node, Scalar):
        return copy.deepcopy(want)
    if isinstance(node, Obj):
        result = copy.deepcopy(have)
        for name, value in want.items():
            result[name] = _merge(node.fields[name], have.get(name), value)
        return result
    result = {entry_key(node, entry): copy.deepcopy(entry) for entry in have}
    for entry in want:
        key = entry_key(node, entry)
        if key in result and isinstance(node.item, Obj):
            result[key] = _merge(node.item, result[key], entry)
        else:
            result[key] = copy.deepcopy(entry)
    return list(result.values())


# -- replaced -------------------------------------------------------------------------------------


def _replace_entries(node, have, want):
    result = {entry_key(node, entry): copy.deepcopy(entry) for entry in have or []}
    for entry in want:
        result[entry_key(node, entry)] = copy.deepcopy(entry)
    return list(result.values())


def _replace(node, have, want):
    if isinstance(node, Seq):
        return _replace_entries(node, have, want)
    result = copy.deepcopy(have or {})
    for name, value in want.items():
        child = node.fields[name]
        if isinstance(child, Seq) and isinstance(child.item, Obj):
            result[name] = _replace_entries(child, result.get(name), value)
        else:
            result[name] = copy.deepcopy(value)
    return result


# -- deleted --------------------------------------------------------------------------------------


def _has_nested(item_node, entry):
    return any(isinstance(item_node.fields[name], (Obj, Seq)) and value is not None for name, value in entry.items())


def _delete_entries(node, have, want):
    if not want:
        return []  # an empty list given: all its entries go
    result = {entry_key(node, entry): entry for entry in copy.deepcopy(have or [])}
    for entry in want:
        key = entry_key(node, entry)
        if key not in result:
            continue
        if isinstance(node.item, Obj) and _has_nested(node.item, entry):
            keys = node.key if isinstance(node.key, tuple) else ()
            result[key] = _delete_obj(node.item, result[key], entry, keys)
        else:
            del result[key]
    return list(result.values())


def _delete_obj(node, have, want, keys=()):
    if not want:
        return {}
    result = copy.deepcopy(have or {})
    for name, value in want.items():
        if value is None or name in keys or name not in result:
            continue
        child = node.fields[name]
        if isinstance(child, Seq):
            result[name] = _delete_entries(child, result[name], value)
        elif isinstance(child, Obj):
            result[name] = _delete_obj(child, result[name], value)
        elif child.kind == "bool":
            if value is True:
                del result[name]
        elif value == result[name] or child.secret:
            del result[name]
    return result


def _delete(node, have, want):
    if isinstance(node, Seq):
        return _delete_entries(node, have, want)
    return _delete_obj(node, have, want)
