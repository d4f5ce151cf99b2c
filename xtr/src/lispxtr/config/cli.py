"""The IOS-XE 17 command line view of the config tree: ``configure terminal`` and startup-config text.

Grammar (IOS-XE 16.x/17.x "service / instance-id" style, see shared/design/IOSXE-NOTES.md)::

    hostname NAME                                   | no hostname
    username NAME [privilege 0-15] secret [0|8|9] S | ... password [0|7] P    | no username NAME
    enable secret [0|8|9] S                         | no enable secret
    service password-encryption                     | no service password-encryption
    key config-key password-encrypt MASTER          | no key config-key password-encrypt
    password encryption aes                         | no password encryption aes
    ip ssh authentication-retries|time-out|maxstartups N   | no ip ssh ...   (limits.py)
    login block-for S attempts N within W           | no login block-for      (limits.py)
    router lisp                                     | no router lisp
     locator-set NAME                               | no locator-set NAME
      IPv4-interface IF priority P weight W         | no IPv4-interface IF       (IPv6-interface alike)
      A.B.C.D|X:X::X priority P weight W            | no A.B.C.D
      exit-locator-set
     service ipv4|ipv6                              | no service ipv4|ipv6
      itr map-resolver ADDR                         | no itr map-resolver ADDR
      itr                                           | no itr
      etr map-server ADDR key [0|6|7] K [hash-function sha1|sha2]   | no etr map-server ADDR [key]
      etr map-server ADDR proxy-reply               | no etr map-server ADDR proxy-reply
      etr                                           | no etr
      use-petr ADDR [priority P weight W]           | no use-petr ADDR
      proxy-etr | proxy-itr A.B.C.D [X:X::X] | map-server | map-resolver   (each with its no form)
      exit-service-ipv4
     instance-id 0-16777214                         | no instance-id N
      service ipv4|ipv6                             | no service ipv4|ipv6
       eid-table default | eid-table vrf NAME       | no eid-table
       database-mapping PREFIX locator-set NAME     | no database-mapping PREFIX
       map-cache PREFIX map-request|native-forward|drop   | no map-cache PREFIX
       exit-service-ipv4
      exit-instance-id
     loc-reach-algorithm rloc-probing               | no loc-reach-algorithm rloc-probing
     site NAME                                      | no site NAME
      description TEXT...                           | no description
      authentication-key [0|6|7] KEY                | no authentication-key
      eid-record [instance-id N] PREFIX [accept-more-specifics]   | no eid-record [instance-id N] PREFIX [accept-more-specifics]
      allowed-locator A.B.C.D|X:X::X                | no allowed-locator [ADDR]
      exit-site
     exit-router-lisp

Every sub-mode also takes ``exit`` (one level up) and ``end`` (leave configuration mode). As on IOS, a
line that the current mode does not know is tried in the enclosing modes (``site SITE3`` typed inside
``site SITE2`` moves to the new site). Keywords may be abbreviated to any unique prefix
(``loca`` = ``locator-set``; ``loc`` could also be ``loc-reach-algorithm``); names, addresses and
numbers are checked (syntax and range), and a bad one raises ConfigError whose column points at that
token, where IOS draws its ``^``.

``allowed-locator``: the 17.9 model keeps one IPv4 (``ls-ipv4``) and one IPv6 (``ls-ipv6``) allowed
locator per site, so a second ``allowed-locator`` of the same family replaces the first, as a leaf
does; the prefix-list form (``allowed-locator list ...``) is not supported.

Values: a line with a character that is not printable (a control character such as newline, NEL or
U+2028) is refused as a whole, the caret under that character; names are 1..64 characters (VRF names
1..32), a description 1..200 (values.py, docs/security.md). So a value never ends its line when the
configuration is written out, and parse_config ends lines at LF only.

Secrets: ``secret 0 S`` is stored hashed (type 9, scrypt), as IOS-XE 17 does; ``password 0 P`` stays
clear text (type 0), or type 7 under ``service password-encryption``; ``password 7 P`` is kept as
given. LISP keys entered as type 0 are stored as type 6 with ``password encryption aes`` and a master
key, else as type 7 with ``service password-encryption``, else as given; types 6 and 7 are kept as
given (``RouterConfig.protect_key``). The master key is kept in ``RouterConfig.config_key`` and never
rendered. No secret ever appears in a ConfigError: its ``line`` has them replaced by ``********``.
"""

import re

from . import limits, render, secrets, values
from .model import (
    ConfigError,
    EidRecordCfg,
    Instance,
    InstanceService,
    LispConfig,
    LocatorEntry,
    LocatorSet,
    MapServerRef,
    RouterConfig,
    Service,
    Site,
    User,
    sort_locators,
)

INVALID = "% Invalid input detected at '^' marker:"
INCOMPLETE = "% Incomplete command:"
AMBIGUOUS = "% Ambiguous command:"
MASK = "********"

_TOKEN = re.compile(r"\S+")
_SECRET_WORDS = ("secret", "password", "key", "authentication-key", "password-encrypt")
_HEADERS = (re.compile(r"Building configuration\.\.\.\Z"), re.compile(r"Current configuration : \d+ bytes\Z"))

MODE_CONFIG = "config"
MODE_LISP = "config-router-lisp"
MODE_LOCATOR_SET = "config-router-lisp-locator-set"
MODE_SERVICE = "config-router-lisp-serv-%s"
MODE_INSTANCE = "config-router-lisp-inst"
MODE_INSTANCE_SERVICE = "config-router-lisp-inst-serv-%s"
MODE_SITE = "config-router-lisp-site"

FAMILIES = ("ipv4", "ipv6")
MAP_CACHE_ACTIONS = ("map-request", "native-forward", "drop")


def redact(line):
    """line with every secret token (after secret/password/key/authentication-key [type]) masked."""
    tokens = list(_TOKEN.finditer(line))
    spans = []
    index = 0
    while index < len(tokens):
        word = tokens[index].group().lower()
        if index + 1 < len(tokens) and "username".startswith(word):
            index += 2  # the user name is not a keyword, whatever it looks like
            continue
        # Any prefix counts (IOS takes abbreviations): masking a harmless token now and then is the
        # price of never showing a secret typed after an abbreviated keyword.
        if any(s.startswith(word) for s in _SECRET_WORDS) and index + 1 < len(tokens):
            target = index + 1
            if tokens[target].group().isdigit() and len(tokens[target].group()) == 1 and target + 1 < len(tokens):
                target += 1
            spans.append(tokens[target].span())
            index = target + 1
            continue
        index += 1
    for start, end in reversed(spans):
        line = line[:start] + MASK + line[end:]
    return line


def _quoted(token):
    """A token as an error message repeats it: ``'X'``, or escaped and cut when it is long or has
    control characters (never a 100,000-character message)."""
    if len(token) <= values.SHOWN_MAX and token.isprintable():
        return "'%s'" % token
    return values.shown(token)


def _printable_line(line):
    """line with every non-printable character shown as ``?`` (safe to echo back to a terminal)."""
    if line.isprintable():
        return line
    return "".join(char if char.isprintable() else "?" for char in line)


class _NoCommand(Exception):
    """The first keyword of a line is unknown in this mode: try the enclosing mode.

    The ConfigError is built only if no mode knows the line (``error()``), which keeps the common
    case, a line that closes a sub-mode implicitly, cheap.
    """

    def __init__(self, cursor, index, token, choices):
        super().__init__(token)
        self.cursor = cursor
        self.index = index
        self.token = token
        self.choices = choices

    def error(self):
        return self.cursor.error("%s '%s' (expected %s)" % (INVALID, self.token, " | ".join(self.choices)), self.index)


def _match(token, choices):
    """The keyword of choices that token names (exact or unique prefix, any case); None; or a list."""
    low = token.lower()
    found = []
    for choice in choices:
        lchoice = choice.lower()
        if lchoice == low:
            return choice
        if lchoice.startswith(low):
            found.append(choice)
    if len(found) == 1:
        return found[0]
    return found or None


class _Cursor:
    """Tokens of one line, consumed left to right by the mode parsers.

    Columns are computed only when needed (errors, rest of line): parsing a large saved
    configuration stays cheap.
    """

    __slots__ = ("line", "tokens", "index", "_columns")

    def __init__(self, line, tokens):
        self.line = line
        self.tokens = tokens
        self.index = 0
        self._columns = None

    def at_end(self):
        return self.index >= len(self.tokens)

    def peek(self):
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def column_of(self, index):
        if self._columns is None:
            self._columns = [m.start() for m in _TOKEN.finditer(self.line)]
        if index < len(self._columns):
            return self._columns[index]
        return len(self.line.rstrip())

    def column(self):
        return self.column_of(self.index)

    def error(self, message, index=None):
        column = self.column_of(self.index if index is None else index)
        return ConfigError(message, column=column, line=redact(self.line))

    def incomplete(self, expected):
        return self.error("%s expected %s" % (INCOMPLETE, expected))

    def keyword(self, choices, command=False):
        index = self.index
        if index >= len(self.tokens):
            raise self.incomplete(" | ".join(choices))
        token = self.tokens[index]
        found = token if token in choices else _match(token, choices)
        if found is None:
            if command:
                raise _NoCommand(self, index, token, choices)
            raise self.error("%s '%s' (expected %s)" % (INVALID, token, " | ".join(choices)), index)
        if isinstance(found, list):
            raise self.error("%s '%s' (could be %s)" % (AMBIGUOUS, token, ", ".join(found)), index)
        self.index = index + 1
        return found

    def optional_keyword(self, choices):
        return None if self.at_end() else self.keyword(choices)

    def value(self, parse, field, *args):
        index = self.index
        if index >= len(self.tokens):
            raise self.incomplete(field)
        token = self.tokens[index]
        try:
            result = parse(token, *args)
        except ValueError as exc:
            raise self.error("%s %s %s: %s" % (INVALID, field, _quoted(token), exc), index) from None
        self.index = index + 1
        return result

    def number(self, field, low, high):
        return self.value(values.uint, field, low, high)

    def secret(self, field, kind="secret", secret_type=0):
        """The secret token; its value never goes into an error message."""
        index = self.index
        if index >= len(self.tokens):
            raise self.incomplete(field)
        token = self.tokens[index]
        try:
            secrets.check_stored(kind, secret_type, token)
        except secrets.SecretError as exc:
            raise self.error("%s %s: %s" % (INVALID, field, exc), index) from None
        self.index = index + 1
        return token

    def secret_type(self, allowed):
        """An optional encryption-type digit before a secret (only when another token follows)."""
        index = self.index
        if index + 1 < len(self.tokens):
            token = self.tokens[index]
            if token.isdigit():
                if int(token) not in allowed:
                    raise self.error("%s encryption type '%s' (supported: %s)" % (INVALID, token, ", ".join(map(str, allowed))), index)
                self.index = index + 1
                return int(token)
        return 0

    def rest(self, field):
        if self.index >= len(self.tokens):
            raise self.incomplete(field)
        text = self.line[self.column():].rstrip()
        self.index = len(self.tokens)
        return text

    def text(self, parse, field):
        """The rest of the line as one value (``description TEXT...``), checked by parse."""
        index = self.index
        text = self.rest(field)
        try:
            return parse(text)
        except ValueError as exc:
            raise self.error("%s %s %s: %s" % (INVALID, field, _quoted(text), exc), index) from None

    def skip_rest(self):
        self.index = len(self.tokens)

    def done(self):
        if self.index < len(self.tokens):
            raise self.error("%s unexpected '%s'" % (INVALID, self.tokens[self.index]))


def _command(cur, commands, negatable):
    """(negated, keyword) for the first word(s) of a line; _NoCommand when this mode does not know it."""
    first = cur.keyword(commands + ("no",), command=True)
    if first != "no":
        return False, first
    if cur.at_end():
        raise cur.incomplete(" | ".join(negatable))
    return True, cur.keyword(negatable, command=True)


class CliConfigSession:
    """One ``configure terminal`` session over a private copy of a tree; ``tree`` is the current state.

    ``feed(line)`` applies one line at once, as IOS does, and returns False when the line leaves
    configuration mode (``end``; ``exit`` at the top); the caller maps Ctrl-Z to ``end``. A bad line
    raises ConfigError and changes nothing. ``mode`` names the prompt mode (``SITE1(<mode>)#``).
    """

    def __init__(self, tree, *, copy=True):
        self.tree = tree.copy() if copy else tree
        self._stack = []  # (mode, context) pairs below 'config'

    @property
    def mode(self):
        return self._stack[-1][0] if self._stack else MODE_CONFIG

    @property
    def context(self):
        """The object the current sub-mode edits: locator-set/site name, instance-id, family, ..."""
        return self._stack[-1][1] if self._stack else None

    def feed(self, line):
        bad = values.bad_character(line)
        if bad is not None:
            # IOS-XE takes printable characters only. A control character (a newline above all) in
            # a value would end its line when the configuration is written out: refuse the line.
            raise ConfigError("%s control character %r (only printable characters are accepted)" % (INVALID, line[bad]),
                              column=bad, line=redact(_printable_line(line)))
        tokens = line.split()
        if not tokens or tokens[0][0] == "!":
            return True
        self._drop_vanished_modes()
        first_error = None
        for depth in range(len(self._stack), -1, -1):
            mode, context = self._stack[depth - 1] if depth else (MODE_CONFIG, None)
            cur = _Cursor(line, tokens)
            try:
                action = _PARSERS[mode](self, cur, context)
            except _NoCommand as exc:
                if first_error is None:
                    first_error = exc
                continue
            del self._stack[depth:]
            return action() is not _LEFT
        raise first_error.error()

    def _drop_vanished_modes(self):
        """Leave the sub-modes whose object is gone (``tree`` was replaced, e.g. by a NETCONF edit
        made while this session sat in ``site SITE2`` and deleted that site)."""
        lisp = self.tree.lisp
        keep = 0
        for mode, context in self._stack:
            if mode == MODE_LISP:
                present = lisp is not None
            elif mode == MODE_LOCATOR_SET:
                present = context in lisp.locator_sets
            elif mode == MODE_SITE:
                present = context in lisp.sites
            elif mode == MODE_INSTANCE:
                present = context in lisp.instances
            elif mode.startswith(MODE_INSTANCE_SERVICE % ""):
                instance = lisp.instances.get(context[0])
                present = instance is not None and context[1] in instance.services
            else:
                present = context in lisp.services
            if not present:
                break
            keep += 1
        del self._stack[keep:]

    # -- what the actions of the mode parsers use ------------------------------------------
    def enter_mode(self, mode, context=None):
        self._stack.append((mode, context))

    def exit_mode(self):
        if self._stack:
            self._stack.pop()

    def leave_config(self):
        self._stack.clear()

    @property
    def depth(self):
        """How many sub-modes deep the session is (0 = global configuration mode)."""
        return len(self._stack)


# ---------------------------------------------------------------------------------------------
# mode parsers: check the whole line first, then return an action that cannot fail
# ---------------------------------------------------------------------------------------------


_LEFT = object()  # what an action returns when the line left configuration mode


def _leave(session):
    def action():
        session.leave_config()
        return _LEFT

    return action


def _up(session):
    def action():
        session.exit_mode()

    return action


def _parse_config(session, cur, _context):
    negated, word = _command(cur, ("hostname", "username", "enable", "router", "service", "key", "password", "version", "end", "exit",
                                   "ip", "login"),
                             ("hostname", "username", "enable", "router", "service", "key", "password", "ip", "login"))
    tree = session.tree
    if word in ("ip", "login"):  # the management plane's login limits (limits.py)
        return (limits.parse_ip if word == "ip" else limits.parse_login)(tree, cur, negated)
    if word in ("end", "exit"):
        cur.done()
        return _leave(session)
    if word in ("service", "key", "password"):
        return _parse_encryption(tree, cur, word, negated)
    if word == "version":
        cur.rest("version")
        return lambda: None
    if word == "hostname":
        if negated:
            if not cur.at_end():
                cur.value(values.hostname, "hostname")
            cur.done()
            return lambda: setattr(tree, "hostname", "Router")
        name = cur.value(values.hostname, "hostname")
        cur.done()
        return lambda: setattr(tree, "hostname", name)
    if word == "username":
        return _parse_username(tree, cur, negated)
    if word == "enable":
        cur.keyword(("secret",))
        if negated:
            cur.done()

            def clear():
                tree.enable_secret = None
                tree.enable_secret_type = 0

            return clear
        stype = cur.secret_type((0, 8, 9))
        stored = cur.secret("enable secret", "secret", stype)
        cur.done()

        def set_enable():
            tree.enable_secret, tree.enable_secret_type = _store_secret(stored, stype)

        return set_enable
    # router lisp
    cur.keyword(("lisp",))
    cur.done()
    if negated:
        return lambda: setattr(tree, "lisp", None)

    def enter():
        if tree.lisp is None:
            tree.lisp = LispConfig()
        session.enter_mode(MODE_LISP)

    return enter


def _parse_encryption(tree, cur, word, negated):
    """``service password-encryption``, ``password encryption aes``, ``key config-key
    password-encrypt MASTER`` and their no forms (IOS-XE's storage of keys as types 7 and 6)."""
    if word == "service":
        cur.keyword(("password-encryption",))
        cur.done()

        def set_service():
            tree.password_encryption = not negated
            tree.protect_keys()

        return set_service
    if word == "password":
        cur.keyword(("encryption",))
        cur.keyword(("aes",))
        cur.done()

        def set_aes():
            tree.password_encryption_aes = not negated
            tree.protect_keys()

        return set_aes
    cur.keyword(("config-key",))
    cur.keyword(("password-encrypt",))
    if negated:
        cur.skip_rest()
        return lambda: setattr(tree, "config_key", None)
    index = cur.index
    if cur.at_end():
        raise cur.incomplete("master key (%d..%d characters)" % secrets.MASTER_KEY_RANGE)
    master = cur.tokens[index]
    try:
        secrets.check_master_key(master)
    except secrets.SecretError as exc:
        raise cur.error("%s master key: %s" % (INVALID, exc), index) from None
    cur.index += 1
    cur.done()

    def set_master():
        tree.rekey(master)
        tree.protect_keys()

    return set_master


def _store_secret(value, secret_type):
    if secret_type == 0:
        return secrets.hash_type9(value), 9
    return value, secret_type


def _parse_username(tree, cur, negated):
    name = cur.value(values.name, "user name")
    if negated:
        cur.done()
        return lambda: tree.users.pop(name, None)
    privilege = 1
    word = cur.keyword(("privilege", "secret", "password"))
    if word == "privilege":
        privilege = cur.number("privilege", *values.PRIVILEGE_RANGE)
        word = cur.keyword(("secret", "password"))
    if word == "secret":
        stype = cur.secret_type((0, 8, 9))
    else:
        stype = cur.secret_type((0, 7))
    stored = cur.secret("user %s" % word, word, stype)
    cur.done()

    def set_user():
        if word == "secret":
            value, vtype = _store_secret(stored, stype)
        elif stype == 0 and tree.password_encryption:
            value, vtype = secrets.encode_type7(stored), 7  # service password-encryption
        else:
            value, vtype = stored, stype
        tree.users[name] = User(privilege=privilege, secret=value, secret_type=vtype, keyword=word)

    return set_user


def _parse_lisp(session, cur, _context):
    negated, word = _command(
        cur, ("locator-set", "service", "instance-id", "loc-reach-algorithm", "site", "exit-router-lisp", "exit", "end"),
        ("locator-set", "service", "instance-id", "loc-reach-algorithm", "site"))
    lisp = session.tree.lisp
    if word in ("exit-router-lisp", "exit"):
        cur.done()
        return _up(session)
    if word == "end":
        cur.done()
        return _leave(session)
    if word == "locator-set":
        name = cur.value(values.name, "locator-set name")
        cur.done()
        if negated:
            users = _locator_set_users(lisp, name)
            if users:
                raise cur.error("%% Locator-set %s is in use by database-mapping %s" % (name, users[0]), cur.index - 1)
            return lambda: lisp.locator_sets.pop(name, None)

        def enter_locator_set():
            lisp.locator_sets.setdefault(name, LocatorSet())
            session.enter_mode(MODE_LOCATOR_SET, name)

        return enter_locator_set
    if word == "service":
        family = cur.keyword(FAMILIES)
        cur.done()
        if negated:
            return lambda: lisp.services.pop(family, None)

        def enter_service():
            lisp.services.setdefault(family, Service())
            session.enter_mode(MODE_SERVICE % family, family)

        return enter_service
    if word == "instance-id":
        iid = cur.number("instance-id", 0, values.MAX_INSTANCE_ID)
        cur.done()
        if negated:
            return lambda: lisp.instances.pop(iid, None)

        def enter_instance():
            if iid not in lisp.instances:
                lisp.instances[iid] = Instance()
            session.enter_mode(MODE_INSTANCE, iid)

        return enter_instance
    if word == "loc-reach-algorithm":
        cur.keyword(("rloc-probing",))
        cur.done()
        probing = not negated

        def set_rloc_probing():
            lisp.rloc_probing = probing

        return set_rloc_probing
    # site
    name = cur.value(values.name, "site name")
    cur.done()
    if negated:
        return lambda: lisp.sites.pop(name, None)

    def enter_site():
        if name not in lisp.sites:
            lisp.sites[name] = Site()
        session.enter_mode(MODE_SITE, name)

    return enter_site


def _locator_set_users(lisp, name):
    found = []
    for iid, instance in lisp.instances.items():
        for family, service in instance.services.items():
            for eid_prefix, locator_set in service.database_mappings.items():
                if locator_set == name:
                    found.append("%s (instance-id %d service %s)" % (eid_prefix, iid, family))
    return found


def _priority_weight(cur):
    cur.keyword(("priority",))
    priority = cur.number("priority", *values.PRIORITY_RANGE)
    cur.keyword(("weight",))
    weight = cur.number("weight", *values.WEIGHT_RANGE)
    return priority, weight


def _parse_locator_set(session, cur, name):
    locator_set = session.tree.lisp.locator_sets[name]
    token = cur.peek()
    negated = False
    if token is not None and _match(token, ("no",)) == "no" and len(cur.tokens) > 1:
        cur.index += 1
        negated = True
        token = cur.peek()
    if values.looks_like_address(token):
        address = cur.value(values.ip_address, "locator address")
        entry = LocatorEntry(address=address)
    else:
        commands = ("IPv4-interface", "IPv6-interface")
        if negated:
            word = cur.keyword(commands, command=True)
        else:
            word = cur.keyword(commands + ("exit-locator-set", "exit", "end", "no"), command=True)
            if word in ("exit-locator-set", "exit"):
                cur.done()
                return _up(session)
            if word == "end":
                cur.done()
                return _leave(session)
            if word == "no":
                raise cur.incomplete("IPv4-interface | IPv6-interface | A.B.C.D | X:X::X")
        interface = cur.value(values.interface, "interface name")
        entry = LocatorEntry(interface=interface, family="ipv6" if word == "IPv6-interface" else "ipv4")
    if negated:
        if not cur.at_end():
            _priority_weight(cur)
        cur.done()

        def remove():
            locator_set.locators[:] = [e for e in locator_set.locators if e.key != entry.key]

        return remove
    entry.priority, entry.weight = _priority_weight(cur)
    cur.done()

    def add():
        for index, existing in enumerate(locator_set.locators):
            if existing.key == entry.key:
                locator_set.locators[index] = entry
                return
        locator_set.locators.append(entry)
        locator_set.locators[:] = sort_locators(locator_set.locators)

    return add


def _parse_service(session, cur, family):
    exit_word = "exit-service-%s" % family
    negated, word = _command(
        cur, ("itr", "etr", "use-petr", "proxy-etr", "proxy-itr", "map-server", "map-resolver", exit_word, "exit", "end"),
        ("itr", "etr", "use-petr", "proxy-etr", "proxy-itr", "map-server", "map-resolver"))
    service = session.tree.lisp.services[family]
    if word in (exit_word, "exit"):
        cur.done()
        return _up(session)
    if word == "end":
        cur.done()
        return _leave(session)
    if word in ("itr", "etr"):
        sub = cur.optional_keyword(("map-resolver",) if word == "itr" else ("map-server",))
        if sub is None:
            return lambda: setattr(service, word, not negated)
        address = cur.value(values.ip_address, sub + " address")
        if word == "itr":
            cur.done()
            if negated:
                return lambda: address in service.map_resolvers and service.map_resolvers.remove(address)
            return lambda: address in service.map_resolvers or service.map_resolvers.append(address)
        return _parse_etr_map_server(session.tree, service, cur, address, negated)
    if word == "use-petr":
        address = cur.value(values.ip_address, "use-petr address")
        pw = None if cur.at_end() else _priority_weight(cur)
        cur.done()
        if negated:
            return lambda: service.use_petr.pop(address, None)
        return lambda: service.use_petr.__setitem__(address, pw)
    if word == "proxy-itr":
        if negated:
            while not cur.at_end():
                cur.value(values.ip_address, "proxy-itr address")
            return service.proxy_itr.clear
        first = cur.value(values.ip_address, "proxy-itr address")
        addresses = [first]
        if not cur.at_end():
            want = values.ipv6_address if values.family_of(first) == "ipv4" else values.ipv4_address
            addresses.append(cur.value(want, "proxy-itr %s address" % ("IPv6" if want is values.ipv6_address else "IPv4")))
        cur.done()
        return lambda: service.proxy_itr.__setitem__(slice(None), addresses)
    # proxy-etr, map-server, map-resolver
    cur.done()
    attr = word.replace("-", "_")
    return lambda: setattr(service, attr, not negated)


def _parse_etr_map_server(tree, service, cur, address, negated):
    if negated:
        what = cur.optional_keyword(("key", "proxy-reply"))
        if what == "key":
            while not cur.at_end():
                cur.index += 1  # the rest names the key being removed; it is not checked (nor shown)
        cur.done()

        def remove():
            ref = service.map_servers.get(address)
            if ref is None:
                return
            if what is None:
                del service.map_servers[address]
                return
            if what == "key":
                ref.key, ref.key_type, ref.hash_function = None, 0, None
            else:
                ref.proxy_reply = False
            if ref.key is None and not ref.proxy_reply:
                del service.map_servers[address]

        return remove
    what = cur.keyword(("key", "proxy-reply"))
    if what == "proxy-reply":
        cur.done()

        def set_proxy_reply():
            service.map_servers.setdefault(address, MapServerRef()).proxy_reply = True

        return set_proxy_reply
    key_type = cur.secret_type((0, 6, 7))
    key = cur.secret("map-server key", "key", key_type)
    hash_function = None
    if not cur.at_end():
        cur.keyword(("hash-function",))
        hash_function = cur.keyword(("sha1", "sha2"))
    cur.done()

    def set_key():
        ref = service.map_servers.setdefault(address, MapServerRef())
        ref.key, ref.key_type = tree.protect_key(key, key_type)
        ref.hash_function = hash_function

    return set_key


def _parse_instance(session, cur, iid):
    negated, word = _command(cur, ("service", "exit-instance-id", "exit", "end"), ("service",))
    instance = session.tree.lisp.instances[iid]
    if word in ("exit-instance-id", "exit"):
        cur.done()
        return _up(session)
    if word == "end":
        cur.done()
        return _leave(session)
    family = cur.keyword(FAMILIES)
    cur.done()
    if negated:
        return lambda: instance.services.pop(family, None)

    def enter():
        instance.services.setdefault(family, InstanceService())
        session.enter_mode(MODE_INSTANCE_SERVICE % family, (iid, family))

    return enter


def _parse_instance_service(session, cur, context):
    iid, family = context
    exit_word = "exit-service-%s" % family
    negated, word = _command(cur, ("eid-table", "database-mapping", "map-cache", exit_word, "exit", "end"),
                             ("eid-table", "database-mapping", "map-cache"))
    lisp = session.tree.lisp
    service = lisp.instances[iid].services[family]
    if word in (exit_word, "exit"):
        cur.done()
        return _up(session)
    if word == "end":
        cur.done()
        return _leave(session)
    if word == "eid-table":
        if negated:
            cur.skip_rest()
            return lambda: setattr(service, "eid_table", "default")
        kind = cur.keyword(("default", "vrf"))
        table = "default"
        if kind == "vrf":
            vrf_index = cur.index
            table = "vrf " + cur.value(values.vrf_name, "VRF name")
            for other_iid, other in lisp.instances.items():
                other_service = other.services.get(family)
                if other_iid != iid and other_service is not None and other_service.eid_table == table:
                    raise cur.error("%s eid-table %s is already bound to instance-id %d" % (INVALID, table, other_iid), vrf_index)
        cur.done()
        return lambda: setattr(service, "eid_table", table)
    eid_prefix = cur.value(values.prefix, "EID-prefix", family)
    if word == "database-mapping":
        if negated:
            if not cur.at_end():
                cur.keyword(("locator-set",))
                cur.value(values.name, "locator-set name")
            cur.done()
            return lambda: service.database_mappings.pop(eid_prefix, None)
        cur.keyword(("locator-set",))
        name_index = cur.index
        name = cur.value(values.name, "locator-set name")
        cur.done()
        if name not in lisp.locator_sets:
            raise cur.error("%s locator-set '%s' is not configured" % (INVALID, name), name_index)
        return lambda: service.database_mappings.__setitem__(eid_prefix, name)
    # map-cache
    if negated:
        if not cur.at_end():
            cur.keyword(MAP_CACHE_ACTIONS)
        cur.done()
        return lambda: service.map_cache.pop(eid_prefix, None)
    action = cur.keyword(MAP_CACHE_ACTIONS)
    cur.done()
    return lambda: service.map_cache.__setitem__(eid_prefix, action)


def _parse_site(session, cur, name):
    negated, word = _command(
        cur, ("description", "authentication-key", "eid-record", "allowed-locator", "exit-site", "exit", "end"),
        ("description", "authentication-key", "eid-record", "allowed-locator"))
    site = session.tree.lisp.sites[name]
    if word in ("exit-site", "exit"):
        cur.done()
        return _up(session)
    if word == "end":
        cur.done()
        return _leave(session)
    if word == "description":
        if negated:
            cur.skip_rest()
            return lambda: setattr(site, "description", None)
        text = cur.text(values.description, "description")
        return lambda: setattr(site, "description", text)
    if word == "authentication-key":
        if negated:
            cur.skip_rest()

            def clear_key():
                site.auth_key, site.key_type = None, 0

            return clear_key
        key_type = cur.secret_type((0, 6, 7))
        key = cur.secret("authentication-key", "key", key_type)
        cur.done()

        def set_key():
            site.auth_key, site.key_type = session.tree.protect_key(key, key_type)

        return set_key
    if word == "allowed-locator":
        if negated:
            address = None if cur.at_end() else cur.value(values.ip_address, "allowed-locator address")
            cur.done()

            def remove_locator():
                site.allowed_locators[:] = [a for a in site.allowed_locators if address is not None and a != address]

            return remove_locator
        address = cur.value(values.ip_address, "allowed-locator address")
        cur.done()

        def set_locator():
            family = values.family_of(address)
            site.allowed_locators[:] = [a for a in site.allowed_locators if values.family_of(a) != family] + [address]

        return set_locator
    # eid-record
    iid = 0
    if not values.looks_like_address(cur.peek() or ""):
        cur.keyword(("instance-id",))
        iid = cur.number("instance-id", 0, values.MAX_INSTANCE_ID)
    eid_prefix = cur.value(values.prefix_any, "EID-prefix")
    more = cur.optional_keyword(("accept-more-specifics",)) is not None
    cur.done()
    key = (iid, eid_prefix)
    if negated:
        if more:
            def clear_more():
                if key in site.eid_records:
                    site.eid_records[key].accept_more_specifics = False

            return clear_more
        return lambda: site.eid_records.pop(key, None)
    return lambda: site.eid_records.__setitem__(key, EidRecordCfg(accept_more_specifics=more))


_PARSERS = {
    MODE_CONFIG: _parse_config,
    MODE_LISP: _parse_lisp,
    MODE_LOCATOR_SET: _parse_locator_set,
    MODE_SERVICE % "ipv4": _parse_service,
    MODE_SERVICE % "ipv6": _parse_service,
    MODE_INSTANCE: _parse_instance,
    MODE_INSTANCE_SERVICE % "ipv4": _parse_instance_service,
    MODE_INSTANCE_SERVICE % "ipv6": _parse_instance_service,
    MODE_SITE: _parse_site,
}


def parse_config(text):
    """Parse a whole configuration text (a startup-config or ``show running-config`` output).

    Returns a new RouterConfig; the first bad line raises ConfigError with its line number (and
    nothing is returned). Besides the configuration lines it accepts ``!`` comment lines, ``version
    X``, ``end`` and the ``Building configuration...`` / ``Current configuration : N bytes`` header.
    """
    return _parse_lines(text)[0]


def protect_startup(text):
    """(tree, text, changed) for a startup-config: the tree parse_config gives, and the text with
    every ``username``/``enable secret`` line rewritten in the form the tree stores (``secret 0 X``
    becomes ``secret 9 $9$...``; ``password 0 X`` becomes type 7 under ``service
    password-encryption``). The node writes that text back at boot, so a startup-config never keeps
    a clear-text secret once the router has read it (as ``write memory`` would store it on IOS-XE).
    Other lines are kept as they are."""
    tree, lines, credentials = _parse_lines(text)
    changed = False
    for index, kind, name in credentials:
        if kind == "enable":
            new = render.enable_line(tree)
        else:
            user = tree.users.get(name)
            new = render.user_line(name, user) if user is not None else None
        if new is not None and new != lines[index]:
            lines[index] = new
            changed = True
    if not changed:
        return tree, text, False
    return tree, "".join(line + "\n" for line in lines), True


def _parse_lines(text):
    """(tree, lines, credential lines) of a configuration text; see parse_config and protect_startup."""
    session = CliConfigSession(RouterConfig(), copy=False)
    lines = []
    credentials = []  # (index in lines, 'enable'|'username', user name) of top-level credential lines
    # Lines end at LF (CRLF tolerated) only: str.splitlines would also break at VT, FF, FS, GS, RS,
    # NEL, U+2028 and U+2029, and a value holding one of those would start a line of its own. Here
    # such a character stays inside its line, and feed refuses that line.
    if text.endswith("\n"):
        text = text[:-1]
    for lineno, raw in enumerate(text.split("\n") if text else (), 1):
        line = raw[:-1] if raw.endswith("\r") else raw
        lines.append(line)
        stripped = line.strip()
        if not session.depth and any(h.match(stripped) for h in _HEADERS):
            continue
        top = not session.depth
        try:
            session.feed(line)
        except ConfigError as exc:
            raise ConfigError(exc.message, lineno=lineno, column=exc.column, line=redact(_printable_line(line))) from None
        if top and stripped[:1] in ("u", "U", "e", "E"):
            tokens = stripped.split()
            word = _match(tokens[0], ("username", "enable"))
            if word == "username" and len(tokens) > 2:
                credentials.append((lineno - 1, word, tokens[1]))
            elif word == "enable":
                credentials.append((lineno - 1, word, None))
    return session.tree, lines, credentials
