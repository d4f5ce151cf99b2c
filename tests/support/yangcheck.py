"""Validate NETCONF XML against Cisco's published IOS-XE YANG models, using pyang's compiled schema.

Why not yanglint: ``Cisco-IOS-XE-native.yang`` includes submodules that are not published beside it,
so libyang refuses to load it (and with it the LISP module). pyang compiles what it can; the whole
``/native/router/lisp`` subtree and the ``Cisco-IOS-XE-lisp-oper`` model resolve, and the only errors
it reports concern the missing interface augments (see ``shared/design/IOSXE-NOTES.md``).

``validate(xml)`` walks the XML against the compiled statements and returns a list of messages (an
empty list means valid). Each message starts with the instance path of the offending element, e.g.
``/native/router/lisp/locator-set[name='RLOCS']/ip-address[ip='192.0.2.1']/priority-and-weight/priority:
'300' is not a valid uint8 (range error)``. Checked:

* every element is a schema node of a loaded module, in that node's namespace (choices and cases are
  transparent; nodes added by ``augment`` carry the augmenting module's namespace);
* every list entry carries all its keys; leaves and containers appear once; only one case of a choice;
* every leaf and leaf-list value passes its type (ranges, patterns, lengths, enums, unions; ``empty``
  leaves have no text; leafrefs are checked against their target's type when pyang resolved it);
* nodes whose ``status`` is not ``current`` (deprecated, obsolete) are reported;
* inside a ``<config>`` wrapper (an edit-config payload), ``config false`` nodes are reported.

Accepted roots: a NETCONF ``<data>`` (get/get-config reply) or ``<config>`` (edit-config) element in any
namespace, or a bare top-level node such as ``<native>`` or ``<lisp-state>``. Attributes (for example
``nc:operation``) are not schema nodes and are ignored.

Only pyang, lxml and the standard library are imported here, so both test suites (the xTR's plain
pytest run and ``ansible-test units``) can use it.
"""

import glob
import os
import threading

from lxml import etree
from pyang import context as pyang_context
from pyang import repository as pyang_repository

try:
    from ansible_collections.lispnet.lisp.tests.support.shared import shared_dir
except ImportError:  # the xTR's test suite runs with the repository root on sys.path
    from tests.support.shared import shared_dir


DEFAULT_MODULES = ("Cisco-IOS-XE-native", "Cisco-IOS-XE-lisp")
OPER_MODULES = ("Cisco-IOS-XE-lisp-oper",)
OPER_NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp-oper"
WRAPPERS = ("data", "config")
DATA_KEYWORDS = ("container", "list", "leaf", "leaf-list", "anyxml", "anydata")
TRANSPARENT_KEYWORDS = ("choice", "case")

_CACHE = {}
_CACHE_LOCK = threading.Lock()


class SchemaError(Exception):
    """The YANG models could not be loaded (folder or module missing)."""


def default_yang_dir():
    return str(shared_dir() / "yang" / "iosxe-1791")


def _module_file(yang_dir, name):
    exact = os.path.join(yang_dir, name + ".yang")
    if os.path.isfile(exact):
        return exact
    revisions = sorted(glob.glob(os.path.join(yang_dir, name + "@*.yang")))
    if revisions:
        return revisions[-1]
    raise SchemaError("YANG module %s not found in %s" % (name, yang_dir))


class _Schema:
    """A compiled pyang context and the top-level data nodes of the requested modules."""

    def __init__(self, yang_dir, modules):
        if not os.path.isdir(yang_dir):
            raise SchemaError("YANG folder %s does not exist" % yang_dir)
        repo = pyang_repository.FileRepository(yang_dir, use_env=False, no_path_recurse=True)
        self.ctx = pyang_context.Context(repo)
        loaded = []
        for name in modules:
            path = _module_file(yang_dir, name)
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            module = self.ctx.add_module(path, text)
            if module is None:
                raise SchemaError("pyang could not parse %s" % path)
            loaded.append(module)
        # Errors are expected: the native module's unpublished submodules (interface augments).
        self.ctx.validate()
        self.top = {}
        for module in loaded:
            for child in _data_children(module):
                self.top.setdefault((self.namespace(child), child.arg), child)

    def namespace(self, stmt):
        module = stmt.i_module
        if module.keyword == "submodule":
            module = self.ctx.get_module(module.i_including_modulename) or module
        namespace = module.search_one("namespace")
        return namespace.arg if namespace is not None else None


def _schema(yang_dir, modules):
    key = (os.path.abspath(yang_dir), tuple(modules))
    with _CACHE_LOCK:
        schema = _CACHE.get(key)
        if schema is None:
            schema = _Schema(key[0], key[1])
            _CACHE[key] = schema
        return schema


def preload(modules=DEFAULT_MODULES, yang_dir=None):
    """Compile the models now; True when done, False when the YANG folder is missing (nothing raised).

    Compiling takes tens of seconds. ``ansible-test units`` runs every test in a forked child, so a
    model compiled inside a test is thrown away with the child: call this at import time of a test
    module (in the parent) so every forked test inherits the compiled models.
    """
    path = yang_dir or default_yang_dir()
    if not os.path.isdir(path):
        return False
    _schema(path, tuple(modules))
    return True


def _data_children(stmt):
    """Data-node children of stmt, choices and cases flattened."""
    result = []
    for child in getattr(stmt, "i_children", None) or []:
        if child.keyword in DATA_KEYWORDS:
            result.append(child)
        elif child.keyword in TRANSPARENT_KEYWORDS:
            result.extend(_data_children(child))
    return result


def _find_child(stmt, namespace, name, schema):
    """Return (node, choice_path) for the data child called name, or (node_with_other_namespace, None)."""
    other = None
    for child, via in _walk_children(stmt, ()):
        if child.arg != name:
            continue
        if schema.namespace(child) == namespace:
            return child, via
        other = child
    return other, None


def _walk_children(stmt, via):
    for child in getattr(stmt, "i_children", None) or []:
        if child.keyword in DATA_KEYWORDS:
            yield child, via
        elif child.keyword in TRANSPARENT_KEYWORDS:
            yield from _walk_children(child, via + (child,))


def _status(stmt):
    status = stmt.search_one("status")
    return status.arg if status is not None else "current"


def _split(tag):
    if tag.startswith("{"):
        namespace, local = tag[1:].split("}", 1)
        return namespace, local
    return None, tag


def _text(element):
    return (element.text or "").strip()


def _type_spec(stmt):
    type_stmt = stmt.search_one("type")
    if type_stmt is None:
        return None, None
    return type_stmt, getattr(type_stmt, "i_type_spec", None)


def _check_value(stmt, value):
    """Return None if value is valid for the leaf/leaf-list stmt, else the reason."""
    type_stmt, spec = _type_spec(stmt)
    if spec is None:
        return None  # type pyang could not resolve: nothing to check against
    return _check_spec(type_stmt, spec, value, stmt.i_module, depth=0)


def _check_spec(type_stmt, spec, value, module, depth):
    # pylint: disable=too-many-return-statements  # one return per YANG built-in type family
    if depth > 10:
        return None
    name = spec.name
    if name == "empty":
        return None if value == "" else "'%s' given for an empty leaf" % value
    if name == "union":
        for member in spec.types:
            member_spec = getattr(member, "i_type_spec", None)
            if member_spec is None or _check_spec(member, member_spec, value, module, depth + 1) is None:
                return None
        return "'%s' matches no member type of the union" % value
    if name == "leafref":
        target = getattr(spec, "i_target_node", None)
        if target is None:
            return None  # leafref to a node pyang could not resolve: a string
        target_type, target_spec = _type_spec(target)
        if target_spec is None:
            return None
        return _check_spec(target_type, target_spec, value, target.i_module, depth + 1)
    if name == "identityref":
        return None if value else "empty identityref"
    errors = []
    try:
        parsed = spec.str_to_val(errors, type_stmt.pos, value, module)
        if parsed is None or errors:
            return "'%s' is not a valid %s%s" % (value, name, _first_reason(errors))
        if not spec.validate(errors, type_stmt.pos, parsed, module):
            return "'%s' is not a valid %s%s" % (value, name, _first_reason(errors))
    except Exception as exc:  # pylint: disable=broad-except  # pyang's checkers raise assorted errors on odd input
        return "'%s' is not a valid %s (%s)" % (value, name, exc)
    return None


def _first_reason(errors):
    for error in errors:
        args = error[2] if len(error) > 2 else None
        if isinstance(args, tuple) and args:
            return " (%s)" % args[-1]
    return ""


class _Walker:
    def __init__(self, schema, in_edit_config):
        self.schema = schema
        self.in_edit_config = in_edit_config
        self.errors = []

    def error(self, path, message):
        self.errors.append("%s: %s" % (path or "/", message))

    def node(self, element, stmt, path):
        """Check element (already matched to stmt) and its subtree."""
        if _status(stmt) != "current":
            self.error(path, "%s node %s is %s" % (stmt.keyword, stmt.arg, _status(stmt)))
        if self.in_edit_config and getattr(stmt, "i_config", True) is False:
            self.error(path, "config false node %s in an edit-config payload" % stmt.arg)
        if stmt.keyword in ("leaf", "leaf-list"):
            self.leaf(element, stmt, path)
        elif stmt.keyword in ("anyxml", "anydata"):
            return
        else:
            if _text(element):
                self.error(path, "%s %s carries text '%s'" % (stmt.keyword, stmt.arg, _text(element)))
            self.children(element, stmt, path)

    def leaf(self, element, stmt, path):
        if len(element):
            self.error(path, "%s %s has child elements" % (stmt.keyword, stmt.arg))
            return
        reason = _check_value(stmt, _text(element))
        if reason:
            self.error(path, reason)

    def children(self, element, stmt, path):
        seen_single = set()
        chosen = {}
        if stmt.keyword == "list":
            self.keys(element, stmt, path)
        for child in element:
            if not isinstance(child.tag, str):
                continue  # comments, processing instructions
            namespace, local = _split(child.tag)
            child_stmt, via = _find_child(stmt, namespace, local, self.schema)
            child_path = "%s/%s" % (path, local)
            if child_stmt is None:
                self.error(child_path, "no schema node %s in %s %s (namespace %s)" % (local, stmt.keyword, stmt.arg, namespace))
                continue
            if via is None:
                self.error(child_path, "%s is in namespace %s, expected %s" % (local, namespace, self.schema.namespace(child_stmt)))
                continue
            if child_stmt.keyword == "list":
                child_path += _predicate(child, child_stmt)
            elif child_stmt.keyword == "leaf-list":
                child_path += "[.='%s']" % _text(child)
            else:
                if child_stmt in seen_single:
                    self.error(child_path, "%s %s appears more than once" % (child_stmt.keyword, local))
                seen_single.add(child_stmt)
            for index, choice_or_case in enumerate(via):
                if _status(choice_or_case) != "current":
                    self.error(child_path, "%s %s is %s" % (choice_or_case.keyword, choice_or_case.arg, _status(choice_or_case)))
                if choice_or_case.keyword == "choice" and index + 1 < len(via):
                    case = via[index + 1]
                    previous = chosen.setdefault(id(choice_or_case), case)
                    if previous is not case:
                        self.error(child_path, "choice %s: case %s conflicts with case %s given before" % (choice_or_case.arg, case.arg, previous.arg))
            self.node(child, child_stmt, child_path)

    def keys(self, element, stmt, path):
        for key in getattr(stmt, "i_key", None) or []:
            namespace = self.schema.namespace(key)
            found = [c for c in element if isinstance(c.tag, str) and _split(c.tag) == (namespace, key.arg)]
            if not found:
                self.error(path, "list %s entry lacks its key %s" % (stmt.arg, key.arg))


def _predicate(element, stmt):
    parts = []
    for key in getattr(stmt, "i_key", None) or []:
        value = None
        for child in element:
            if isinstance(child.tag, str) and _split(child.tag)[1] == key.arg:
                value = _text(child)
                break
        parts.append("[%s='%s']" % (key.arg, value if value is not None else "?"))
    return "".join(parts)


def _parse(element_or_xml):
    if isinstance(element_or_xml, etree._Element):  # pylint: disable=protected-access  # lxml's public element class
        return element_or_xml
    if isinstance(element_or_xml, etree._ElementTree):  # pylint: disable=protected-access  # same, for trees
        return element_or_xml.getroot()
    if isinstance(element_or_xml, str):
        element_or_xml = element_or_xml.encode("utf-8")
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
    return etree.fromstring(element_or_xml, parser)


def _uses_oper(root):
    for element in root.iter():
        if isinstance(element.tag, str) and _split(element.tag)[0] == OPER_NAMESPACE:
            return True
    return False


def validate(element_or_xml, modules=DEFAULT_MODULES, yang_dir=None):
    """Return the list of problems of element_or_xml (an lxml element, tree, str or bytes); [] means valid.

    modules: the YANG modules whose top-level nodes may appear. With the default, a payload using the
    Cisco-IOS-XE-lisp-oper namespace (``<lisp-state>``) is checked against that module instead.
    yang_dir: folder holding the models; default ``shared_dir()/yang/iosxe-1791``. The compiled
    models are cached per (folder, modules) for the life of the process.
    Raises SchemaError when the folder or a module is missing, lxml's XMLSyntaxError on bad XML.
    """
    root = _parse(element_or_xml)
    if tuple(modules) == DEFAULT_MODULES and _uses_oper(root):
        modules = OPER_MODULES
    schema = _schema(yang_dir or default_yang_dir(), tuple(modules))
    namespace, local = _split(root.tag)
    if local in WRAPPERS and (namespace, local) not in schema.top:
        tops = [child for child in root if isinstance(child.tag, str)]
        in_edit_config = local == "config"
    else:
        tops = [root]
        in_edit_config = False
    walker = _Walker(schema, in_edit_config)
    for top in tops:
        top_namespace, top_local = _split(top.tag)
        stmt = schema.top.get((top_namespace, top_local))
        path = "/" + top_local
        if stmt is None:
            known = sorted(ns for ns, name in schema.top if name == top_local)
            if known:
                walker.error(path, "%s is in namespace %s, expected %s" % (top_local, top_namespace, " or ".join(known)))
            else:
                walker.error(path, "no top-level schema node %s (namespace %s) in %s" % (top_local, top_namespace, ", ".join(modules)))
            continue
        if stmt.keyword == "list":
            path += _predicate(top, stmt)
        walker.node(top, stmt, path)
    return walker.errors
