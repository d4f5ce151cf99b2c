"""The device configuration tree: what ``show running-config`` prints and NETCONF reads and writes.

Plain data classes in LISP's own vocabulary (RFC 9301: Map-Server, Map-Resolver, ITR, ETR, EID-prefix,
locator, instance-id) shaped after the IOS-XE 17 ``router lisp`` configuration. Equality is deep
(dataclass ``__eq__``; dictionaries compare without regard to order). Trees are mutable; every
function of this package that changes a tree works on a copy (``RouterConfig.copy()``).

Canonical value forms (what parsers store, renderers print): IPv4 dotted quad, IPv6 upper case and
compressed, prefixes ``address/length`` with zero host bits, ``eid_table`` ``'default'`` or
``'vrf NAME'``.
"""

import copy
from dataclasses import dataclass, field

from . import secrets
from .limits import LoginLimits


class ConfigError(ValueError):
    """A configuration line or tree that the device refuses.

    lineno: 1-based line number in a config text (None for interactive input and tree checks);
    column: 0-based index of the offending token in the line as it was given (where IOS puts its
    ``^`` under what the operator typed), or None;
    line: that line with every secret replaced by ``********`` (so after a secret its columns no
    longer match ``column``); message: the IOS-style reason, never containing a secret.
    """

    def __init__(self, message, lineno=None, column=None, line=None):
        super().__init__(message)
        self.message = message
        self.lineno = lineno
        self.column = column
        self.line = line

    def __str__(self):
        if self.lineno is not None:
            return "line %d: %s" % (self.lineno, self.message)
        return self.message

    def caret(self):
        """The IOS caret line (spaces then ``^``) to print under the line as typed; '' without a column."""
        if self.column is None:
            return ""
        return " " * self.column + "^"


@dataclass
class User:
    """``username NAME privilege N secret|password [TYPE] VALUE``.

    secret: the stored form (clear text when secret_type is 0, the hash for 8/9, the type 7 string);
    keyword: 'secret' (one-way) or 'password' (reversible). Check a login with ``verify()``.
    """

    privilege: int = 1
    secret: str = ""
    secret_type: int = 0
    keyword: str = "secret"

    def verify(self, offered):
        return secrets.verify(self.secret, self.secret_type, offered)


@dataclass
class LocatorEntry:
    """One RLOC of a locator-set: an address, or an interface whose address is used.

    family: for an interface, which of its addresses ('ipv4' = ``IPv4-interface``, 'ipv6' =
    ``IPv6-interface``); for an address it follows the address.
    """

    address: str | None = None
    interface: str | None = None
    priority: int = 0
    weight: int = 0
    family: str = "ipv4"

    def __post_init__(self):
        if self.address is not None and ":" in self.address:
            self.family = "ipv6"

    @property
    def key(self):
        if self.interface is not None:
            return ("%s-interface" % self.family, self.interface)
        return ("address", self.address)


@dataclass
class LocatorSet:
    locators: list[LocatorEntry] = field(default_factory=list)


@dataclass
class MapServerRef:
    """``etr map-server ADDR key [0|6|7] KEY [hash-function sha1|sha2]`` and ``... proxy-reply``."""

    key: str | None = None
    key_type: int = 0
    hash_function: str | None = None
    proxy_reply: bool = False

    def clear_key(self, master=None):
        """The key to compute Map-Register HMACs with (RFC 9301 §5.6); type 6 needs the master key
        (``RouterConfig.config_key``), SecretError when it cannot be decrypted."""
        return None if self.key is None else secrets.reveal_key(self.key, self.key_type, master)


@dataclass
class Service:
    """``service ipv4|ipv6`` directly under ``router lisp`` (the device-wide roles)."""

    itr: bool = False
    map_resolvers: list[str] = field(default_factory=list)
    etr: bool = False
    map_servers: dict[str, MapServerRef] = field(default_factory=dict)
    map_server: bool = False
    map_resolver: bool = False
    use_petr: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    proxy_itr: list[str] = field(default_factory=list)
    proxy_etr: bool = False


@dataclass
class InstanceService:
    """``instance-id N`` / ``service ipv4|ipv6``: the EID table and its mappings."""

    eid_table: str = "default"
    database_mappings: dict[str, str] = field(default_factory=dict)
    map_cache: dict[str, str] = field(default_factory=dict)


@dataclass
class Instance:
    services: dict[str, InstanceService] = field(default_factory=dict)


@dataclass
class EidRecordCfg:
    accept_more_specifics: bool = False


@dataclass
class Site:
    """``site NAME`` on the Map-Server. eid_records is keyed by (instance-id, prefix)."""

    description: str | None = None
    auth_key: str | None = None
    key_type: int = 0
    eid_records: dict[tuple[int, str], EidRecordCfg] = field(default_factory=dict)
    allowed_locators: list[str] = field(default_factory=list)

    def clear_key(self, master=None):
        return None if self.auth_key is None else secrets.reveal_key(self.auth_key, self.key_type, master)


@dataclass
class LispConfig:
    locator_sets: dict[str, LocatorSet] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    instances: dict[int, Instance] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    rloc_probing: bool = False  # ``loc-reach-algorithm rloc-probing`` (RFC 9301 §7.1)


@dataclass
class RouterConfig:
    """The whole configuration.

    password_encryption: ``service password-encryption`` (clear keys and passwords are stored as
    type 7); password_encryption_aes: ``password encryption aes`` (clear LISP keys are stored as
    type 6 when a master key is set); config_key: the master key of ``key config-key
    password-encrypt``, which, as on IOS-XE, is never part of a configuration text (the node keeps it
    in a private file beside the startup-config).
    """

    hostname: str = "Router"
    users: dict[str, User] = field(default_factory=dict)
    enable_secret: str | None = None
    enable_secret_type: int = 0
    lisp: LispConfig | None = None
    password_encryption: bool = False
    password_encryption_aes: bool = False
    config_key: str | None = field(default=None, repr=False)
    limits: LoginLimits = field(default_factory=LoginLimits)  # ip ssh ..., login block-for (limits.py)

    def copy(self):
        return copy.deepcopy(self)

    def protect_key(self, key, key_type):
        """(stored key, type) for a LISP key as entered: IOS-XE stores a clear (type 0) key as type 6
        with ``password encryption aes`` and a master key, else as type 7 with ``service
        password-encryption``; other types are kept as given."""
        if key is None or key_type != 0:
            return key, key_type
        if self.password_encryption_aes and self.config_key:
            return secrets.encrypt_type6(key, self.config_key), 6
        if self.password_encryption:
            return secrets.encode_type7(key), 7
        return key, key_type

    def protect_keys(self):
        """Apply protect_key to every stored key and ``username ... password 0`` (type 7 with
        ``service password-encryption``), as IOS-XE does when one of those commands is entered."""
        if self.password_encryption:
            for user in self.users.values():
                if user.keyword == "password" and user.secret_type == 0:
                    user.secret, user.secret_type = secrets.encode_type7(user.secret), 7
        if self.lisp is None:
            return
        for service in self.lisp.services.values():
            for ref in service.map_servers.values():
                ref.key, ref.key_type = self.protect_key(ref.key, ref.key_type)
        for site in self.lisp.sites.values():
            site.auth_key, site.key_type = self.protect_key(site.auth_key, site.key_type)

    def rekey(self, new_master):
        """``key config-key password-encrypt``: set the master key, re-encrypting the type 6 keys
        the old one decrypts (IOS-XE re-encrypts them too); others are kept as they are."""
        old, self.config_key = self.config_key, new_master
        if self.lisp is None or not old or not new_master or old == new_master:
            return
        refs = [ref for service in self.lisp.services.values() for ref in service.map_servers.values()]
        for ref in refs:
            if ref.key_type == 6:
                try:
                    ref.key = secrets.encrypt_type6(secrets.decrypt_type6(ref.key, old), new_master)
                except secrets.SecretError:
                    pass
        for site in self.lisp.sites.values():
            if site.key_type == 6:
                try:
                    site.auth_key = secrets.encrypt_type6(secrets.decrypt_type6(site.auth_key, old), new_master)
                except secrets.SecretError:
                    pass

    def verify_login(self, username, password):
        """The User when username/password match a ``username`` line, else None."""
        user = self.users.get(username)
        if user is None:
            # Spend what a type 9 check costs, so that the time of the answer does not tell
            # which user names exist.
            secrets.hash_type9(password if isinstance(password, str) else "", _DUMMY_SALT)
            return None
        return user if user.verify(password) else None

    def verify_enable(self, password):
        if self.enable_secret is None:
            return False
        return secrets.verify(self.enable_secret, self.enable_secret_type, password)


_DUMMY_SALT = "lispxtrnouser."  # 14 characters of Cisco's base64 alphabet


LOCATOR_ORDER = {"ipv4-interface": 0, "ipv6-interface": 1, "address": 2}


def sort_locators(locators):
    """Locators in the order the model (and our renderers) keep them: IPv4-interface, IPv6-interface,
    then addresses; stable within each group, so configuration order is kept there."""
    return sorted(locators, key=lambda entry: LOCATOR_ORDER[entry.key[0]])
