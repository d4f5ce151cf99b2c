"""Semantic checks a device makes on a whole tree (the CLI and XML views check syntax as they parse).

``validate_tree(tree)`` raises ConfigError naming the place (``router lisp / site SITE2``), the field and
the value at fault, for the first problem found; it returns None for a good tree. Secrets are never
named in a message.
"""

from . import secrets, values
from .model import ConfigError

_KEY_TYPES = (0, 6, 7)


def _fail(where, message):
    raise ConfigError("%s: %s" % (" / ".join(_safe(w) for w in where), message))


def _safe(text):
    """A place name (``site NAME``) fit for a message: control characters escaped, cut when long."""
    if text.isprintable() and len(text) <= 80:
        return text
    return values.shown(text)


def _check(where, parse, field, value, *args):
    try:
        canonical = parse(value, *args) if isinstance(value, str) else None
    except ValueError as exc:
        _fail(where, "%s %s: %s" % (field, values.shown(value), exc))
    if canonical is None:
        _fail(where, "%s %r is not text" % (field, value))
    return canonical


def _check_int(where, field, value, low, high):
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        _fail(where, "%s %r is out of range %d..%d" % (field, value, low, high))


def _check_address(where, field, value):
    canonical = _check(where, values.ip_address, field, value)
    if canonical != value:
        _fail(where, "%s '%s' is not in canonical form (%s)" % (field, value, canonical))


def _check_prefix(where, field, value, family):
    canonical = _check(where, values.prefix, field, value, family)
    if canonical != value:
        _fail(where, "%s '%s' is not in canonical form (%s)" % (field, value, canonical))


def _check_key(where, field, key, key_type):
    if key_type not in _KEY_TYPES:
        _fail(where, "%s type %r is not one of 0, 6, 7" % (field, key_type))
    if not isinstance(key, str) or not key or any(ch.isspace() for ch in key):
        _fail(where, "%s must be one word of text" % field)
    try:
        secrets.check_stored("key", key_type, key)
    except secrets.SecretError as exc:
        _fail(where, "%s: %s" % (field, exc))


def validate_tree(tree):
    where = ["hostname"]
    _check(where, values.hostname, "hostname", tree.hostname)
    for name, user in tree.users.items():
        where = ["username %s" % name]
        _check(where, values.name, "user name", name)
        _check_int(where, "privilege", user.privilege, *values.PRIVILEGE_RANGE)
        allowed = (0, 8, 9) if user.keyword == "secret" else (0, 7) if user.keyword == "password" else ()
        if user.secret_type not in allowed:
            _fail(where, "%s type %r is not supported (keyword %r)" % (user.keyword, user.secret_type, user.keyword))
        try:
            secrets.check_stored(user.keyword, user.secret_type, user.secret)
        except secrets.SecretError as exc:
            _fail(where, str(exc))
    if tree.enable_secret is not None:
        if tree.enable_secret_type not in (0, 8, 9):
            _fail(["enable secret"], "type %r is not one of 0, 8, 9" % tree.enable_secret_type)
        try:
            secrets.check_stored("secret", tree.enable_secret_type, tree.enable_secret)
        except secrets.SecretError as exc:
            _fail(["enable secret"], str(exc))
    for flag in ("password_encryption", "password_encryption_aes"):
        if not isinstance(getattr(tree, flag), bool):
            _fail([flag.replace("_", " ")], "%r is not true or false" % getattr(tree, flag))
    if tree.config_key is not None:
        try:
            secrets.check_master_key(tree.config_key if isinstance(tree.config_key, str) else "")
        except secrets.SecretError as exc:
            _fail(["key config-key password-encrypt"], str(exc))
    if tree.lisp is not None:
        _validate_lisp(tree.lisp)


def _validate_lisp(lisp):
    base = ["router lisp"]
    for name, locator_set in lisp.locator_sets.items():
        where = base + ["locator-set %s" % name]
        _check(where, values.name, "locator-set name", name)
        seen = set()
        for entry in locator_set.locators:
            if (entry.address is None) == (entry.interface is None):
                _fail(where, "a locator needs exactly one of address or interface (got %r, %r)" % (entry.address, entry.interface))
            if entry.address is not None:
                _check_address(where, "locator address", entry.address)
            else:
                _check(where, values.name, "interface name", entry.interface)
                if entry.family not in ("ipv4", "ipv6"):
                    _fail(where, "interface family %r is not ipv4 or ipv6" % entry.family)
            if entry.key in seen:
                _fail(where, "locator %s appears twice" % (entry.address or entry.interface))
            seen.add(entry.key)
            _check_int(where, "priority", entry.priority, *values.PRIORITY_RANGE)
            _check_int(where, "weight", entry.weight, *values.WEIGHT_RANGE)
    for family, service in lisp.services.items():
        where = base + ["service %s" % family]
        if family not in ("ipv4", "ipv6"):
            _fail(base, "service %r is not ipv4 or ipv6" % family)
        for address in service.map_resolvers:
            _check_address(where, "itr map-resolver", address)
        for address, ref in service.map_servers.items():
            _check_address(where, "etr map-server", address)
            if ref.key is None and not ref.proxy_reply:
                _fail(where, "etr map-server %s has neither a key nor proxy-reply" % address)
            if ref.key is not None:
                _check_key(where, "etr map-server %s key" % address, ref.key, ref.key_type)
            if ref.hash_function not in (None, "sha1", "sha2"):
                _fail(where, "etr map-server %s hash-function %r is not sha1 or sha2" % (address, ref.hash_function))
        for address, pw in service.use_petr.items():
            _check_address(where, "use-petr", address)
            if pw is not None:
                if not isinstance(pw, tuple) or len(pw) != 2:
                    _fail(where, "use-petr %s priority/weight %r is not a (priority, weight) pair" % (address, pw))
                _check_int(where, "use-petr %s priority" % address, pw[0], *values.PRIORITY_RANGE)
                _check_int(where, "use-petr %s weight" % address, pw[1], *values.WEIGHT_RANGE)
        families = []
        for address in service.proxy_itr:
            _check_address(where, "proxy-itr", address)
            families.append(values.family_of(address))
        if len(families) != len(set(families)):
            _fail(where, "proxy-itr takes one IPv4 and one IPv6 address at most (got %s)" % " ".join(service.proxy_itr))
    vrfs = {}
    for iid, instance in lisp.instances.items():
        _check_int(base, "instance-id", iid, 0, values.MAX_INSTANCE_ID)
        for family, service in instance.services.items():
            where = base + ["instance-id %d" % iid, "service %s" % family]
            if family not in ("ipv4", "ipv6"):
                _fail(where[:-1], "service %r is not ipv4 or ipv6" % family)
            table = service.eid_table
            if table != "default":
                if not isinstance(table, str) or not table.startswith("vrf ") or len(table.split()) != 2:
                    _fail(where, "eid-table %s is not 'default' or 'vrf NAME'" % values.shown(str(table)))
                _check(where, values.vrf_name, "eid-table vrf", table[4:])
                other = vrfs.setdefault((table, family), iid)
                if other != iid:
                    _fail(where, "eid-table %s is already bound to instance-id %d" % (table, other))
            for eid_prefix, locator_set in service.database_mappings.items():
                _check_prefix(where, "database-mapping", eid_prefix, family)
                if locator_set not in lisp.locator_sets:
                    _fail(where, "database-mapping %s names locator-set '%s', which is not configured" % (eid_prefix, locator_set))
            for eid_prefix, action in service.map_cache.items():
                _check_prefix(where, "map-cache", eid_prefix, family)
                if action not in ("map-request", "native-forward", "drop"):
                    _fail(where, "map-cache %s action %r is not map-request, native-forward or drop" % (eid_prefix, action))
    for name, site in lisp.sites.items():
        where = base + ["site %s" % name]
        _check(where, values.name, "site name", name)
        if site.description is not None:
            _check(where, values.description, "description", site.description)
        if site.auth_key is not None:
            _check_key(where, "authentication-key", site.auth_key, site.key_type)
        for key in site.eid_records:
            if not isinstance(key, tuple) or len(key) != 2:
                _fail(where, "eid-record key %r is not (instance-id, prefix)" % (key,))
            iid, eid_prefix = key
            _check_int(where, "eid-record instance-id", iid, 0, values.MAX_INSTANCE_ID)
            _check_prefix(where, "eid-record", eid_prefix, None)
        families = []
        for address in site.allowed_locators:
            _check_address(where, "allowed-locator", address)
            families.append(values.family_of(address))
        if len(families) != len(set(families)):
            _fail(where, "allowed-locator takes one IPv4 and one IPv6 address at most (got %s)" % " ".join(site.allowed_locators))
