"""The device configuration tree and its two textual views: IOS-XE CLI text and NETCONF XML.

Public API (other parts of the xTR code against these names):

* the tree: ``RouterConfig``, ``User``, ``LispConfig``, ``LocatorSet``, ``LocatorEntry``, ``Service``,
  ``MapServerRef``, ``Instance``, ``InstanceService``, ``Site``, ``EidRecordCfg``;
* CLI: ``parse_config(text)``, ``render_running_config(tree)``, ``render_section(tree, pattern)``,
  ``CliConfigSession(tree)`` (``feed(line)``, ``mode``, ``tree``), ``ConfigError``;
* NETCONF: ``tree_to_xml(tree)``, ``xml_to_tree(native)``, ``apply_edit_xml(tree, config, op)``,
  ``NetconfEditError``, ``safe_parser()``;
* ``validate_tree(tree)``: the semantic checks a device makes.

Notes for the parts built on this package:

* SSH CLI: prompt ``f"{session.tree.hostname}({session.mode})#"`` (``config`` gives ``R(config)#``);
  Ctrl-Z is ``feed("end")``; ``do <exec command>`` is for the CLI server to intercept before
  ``feed``. Print ``ConfigError`` as IOS does: ``error.caret()`` under the echoed line, then
  ``error.message``. ``show running-config`` is ``render_running_config(tree)``,
  ``| section X`` is ``render_section(tree, X)``.
* Logins: ``tree.verify_login(user, password)`` (returns the User, with ``.privilege``) and
  ``tree.verify_enable(password)``: ``secret 0 X`` is stored hashed (type 9) as IOS-XE 17 does, so
  never compare ``User.secret`` with a clear password.
* LISP keys: ``MapServerRef.clear_key(master)`` / ``Site.clear_key(master)`` give the key to compute
  HMACs with (types 0 and 7; type 6 with ``tree.config_key`` as master, else ``secrets.SecretError``).
* Startup-config: ``protect_startup(text)`` parses it and gives the text with clear secrets hashed
  (the node writes it back at boot); ``tree.config_key`` (the master key) is not part of any
  configuration text: the node keeps it in its own 0600 file.
* NETCONF: parse with ``safe_parser()``. edit-config: ``apply_edit_xml(running, config_el, op)``
  (already validated). copy-config / replace of the whole datastore: ``xml_to_tree(el)``, copy the
  users and enable secret over from the current tree (not part of the XML view), then
  ``validate_tree``. get-config: ``tree_to_xml(tree)`` (hostname, ``service password-encryption``,
  ``password encryption aes`` and ``router lisp`` only).
  ``NetconfEditError`` carries error-tag, error-type, error-path, message, error-info.
"""

from .cli import CliConfigSession, parse_config, protect_startup, redact
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
)
from .render import render_running_config, render_section
from .validate import validate_tree
from .xml import NetconfEditError, apply_edit_xml, safe_parser, tree_to_xml, xml_to_tree

__all__ = [
    "CliConfigSession",
    "ConfigError",
    "EidRecordCfg",
    "Instance",
    "InstanceService",
    "LispConfig",
    "LocatorEntry",
    "LocatorSet",
    "MapServerRef",
    "NetconfEditError",
    "RouterConfig",
    "Service",
    "Site",
    "User",
    "apply_edit_xml",
    "parse_config",
    "protect_startup",
    "redact",
    "render_running_config",
    "render_section",
    "safe_parser",
    "tree_to_xml",
    "validate_tree",
    "xml_to_tree",
]
