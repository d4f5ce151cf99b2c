# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the three resource action plugins share: states, check/diff mode, masking, transports.

A resource action plugin (lisp_mapping_system, lisp_sites, lisp_xtr) only names its resource and
argument spec; ``ResourceActionBase.run`` does the rest:

* validate the task arguments against the module's argument spec, then ``model.normalize`` the
  ``config`` (a ``ValidationError`` fails the task, naming the option path and value, before any
  session is opened);
* ``rendered`` / ``parsed`` work offline with the CLI and XML codecs;
* ``gathered`` reads the device; ``merged`` / ``replaced`` / ``overridden`` / ``deleted`` read
  ``before``, compute ``after`` (``states.compute_after``), send the difference (CLI lines or one
  NETCONF edit), re-read the device and check it now holds ``after``;
* check mode sends nothing; diff mode returns ``diff: {before, after}`` as YAML text.

Ansible masks no_log values only in what *modules* return; this runs on the controller, so every
string that leaves it (before, after, diff, commands, xml, error messages) is masked here.
"""

from __future__ import annotations

import copy
import re

try:
    import yaml
except ImportError:  # PyYAML ships with ansible-core; kept optional for import-only checks
    yaml = None

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.lispnet.lisp.plugins.plugin_utils.connection_transport import Opener
from ansible_collections.lispnet.lisp.plugins.plugin_utils.transport import (
    MASK,
    TransportError,
    connect,
    transport_kind,
)

try:
    from lxml import etree
except ImportError:
    etree = None

SECRET_OPTIONS = ("key", "authentication_key")  # model.SCHEMA: Scalar(..., secret=True)
CONFIG_STATES = ("merged", "replaced", "overridden", "deleted")
STATES_NEEDING_CONFIG = ("merged", "replaced", "overridden", "rendered")


def _codecs():
    """The model and codec modules (imported late so a missing one is a task error, not a crash)."""
    # pylint: disable=import-outside-toplevel  # see docstring
    from ansible_collections.lispnet.lisp.plugins.plugin_utils import cli_codec, model, normalisation, states, xml_codec
    return model, states, cli_codec, xml_codec, normalisation


# ---------------------------------------------------------------------------------------------
# masking
# ---------------------------------------------------------------------------------------------


def collect_secrets(original, masked, found=None):
    """Strings in original that mask() replaced, found by walking both structures side by side."""
    found = set() if found is None else found
    if isinstance(original, dict) and isinstance(masked, dict):
        for key, value in original.items():
            collect_secrets(value, masked.get(key), found)
    elif isinstance(original, (list, tuple)) and isinstance(masked, (list, tuple)):
        for value, hidden in zip(original, masked):
            collect_secrets(value, hidden, found)
    elif hasattr(original, "__dict__") and hasattr(masked, "__dict__"):
        collect_secrets(vars(original), vars(masked), found)
    elif isinstance(original, str) and original != masked and original not in ("", MASK):
        found.add(original)
    return found


def _escaped_forms(secret):
    forms = {secret}
    escaped = secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    forms.add(escaped)
    forms.add(escaped.replace('"', "&quot;").replace("'", "&apos;"))
    return forms


def scrub(value, secrets):
    """value with every occurrence of a secret string replaced by ********, recursively."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in sorted((f for s in secrets for f in _escaped_forms(s)), key=len, reverse=True):
            if secret and secret != MASK:
                value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {scrub(k, secrets): scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v, secrets) for v in value]
    return value


def to_plain(value):
    """JSON-able plain data (dicts, lists, scalars) from whatever the model hands back."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_plain(v) for v in value]
    if hasattr(value, "to_dict"):
        return to_plain(value.to_dict())
    if hasattr(value, "__dataclass_fields__"):
        return {k: to_plain(getattr(value, k)) for k in value.__dataclass_fields__}
    # ansible-core 2.19+ hands task arguments over as tagged subclasses of str, int and float
    # (data tagging: _AnsibleTaggedStr, ...), which yaml.safe_dump refuses: return the plain type.
    if isinstance(value, bool) or value is None:
        return value
    for plain in (str, int, float):
        if isinstance(value, plain):
            return plain(value) if type(value) is not plain else value  # pylint: disable=unidiomatic-typecheck  # exact type wanted
    return str(value)


def yaml_text(value):
    if yaml is None:
        import json  # pylint: disable=import-outside-toplevel  # fallback only
        return json.dumps(to_plain(value), indent=2, sort_keys=False) + "\n"
    return yaml.safe_dump(to_plain(value), default_flow_style=False, sort_keys=False)


# ---------------------------------------------------------------------------------------------
# the run of one task
# ---------------------------------------------------------------------------------------------


class ResourceRun:
    """One task on one resource: everything run() needs, kept apart from Ansible for testing."""

    def __init__(self, resource, params, *, check_mode=False, diff=False, task_vars=None, templar=None, secrets=(),
                 opener=None):
        self.model, self.states, self.cli_codec, self.xml_codec, self.normalisation = _codecs()
        self.resource = resource
        self.params = params
        self.state = params.get("state") or "merged"
        self.key_update = params.get("key_update") or "when_different"
        self.check_mode = check_mode
        self.diff = diff
        self.task_vars = task_vars or {}
        self.templar = templar
        self.secrets = set(s for s in secrets if isinstance(s, str) and s)
        self.opener = opener  # connection_transport.Opener of the host's persistent connection, else connect()

    # -- masking ---------------------------------------------------------------------------------

    def remember_secrets(self, config):
        if config is None:
            return
        try:
            masked = self.model.mask(self.resource, config)
        except Exception:  # pylint: disable=broad-except  # masking must never hide the real result
            return
        collect_secrets(config, masked, self.secrets)

    def masked(self, config):
        if config is None:
            return None
        self.remember_secrets(config)
        return scrub(to_plain(self.model.mask(self.resource, config)), self.secrets)

    def masked_commands(self, lines):
        return scrub(list(self.cli_codec.mask_commands(list(lines))), self.secrets)

    def text(self, message):
        return scrub(str(message), self.secrets)

    # -- reading and writing the device ----------------------------------------------------------

    def read(self, transport):
        """The resource as the device holds it now (normalised, like want)."""
        try:
            return self._read(transport)
        except self.model.ValidationError as exc:
            raise TransportError("%s: the configuration read from the device is not one this module can manage: %s"
                                 % (transport.where, exc)) from None
        except etree.XMLSyntaxError as exc:
            raise TransportError("%s: the device answered with XML that does not parse: %s" % (transport.where, exc)) from None

    def _read(self, transport):
        if transport.kind == "cli":
            return self.cli_codec.parse(self.resource, transport.get_running_section())
        data = transport.get_config(self.xml_codec.filter_xml(self.resource))
        if data is None:
            data_xml = "<data xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"/>"
        elif isinstance(data, (str, bytes)):
            data_xml = data
        else:
            data_xml = etree.tostring(data, encoding="unicode")
        return self.xml_codec.parse(self.resource, data_xml)

    def want(self):
        config = self.params.get("config")
        if config is None:
            return None
        want = self.model.normalize(self.resource, config)
        self.remember_secrets(want)
        return want

    # -- states ------------------------------------------------------------------------------------

    def run(self):
        state = self.state
        if state in STATES_NEEDING_CONFIG and self.params.get("config") is None:
            return self.fail("config is required with state=%s" % state)
        if state == "parsed" and not self.params.get("running_config"):
            return self.fail("running_config is required with state=parsed")
        if state != "parsed" and self.params.get("running_config"):
            return self.fail("running_config is only used with state=parsed")
        if state in ("gathered",) and self.params.get("config") is not None:
            return self.fail("config is not used with state=gathered")
        try:
            want = self.want()
            if state == "rendered":
                return self.rendered(want)
            if state == "parsed":
                return self.parsed()
            return self.online(want)
        except self.model.ValidationError as exc:
            return self.validation_failure(exc)
        except TransportError as exc:
            return self.fail(str(exc))

    def fail(self, message, **extra):
        result = {"failed": True, "changed": False, "msg": self.text(message)}
        result.update(scrub(extra, self.secrets))
        return result

    def validation_failure(self, exc):
        path = getattr(exc, "path", None)
        value = getattr(exc, "value", None)
        option = re.sub(r"\[[^\]]*\]", "", str(path or "")).split(".")[-1]
        if isinstance(value, str) and (value in self.secrets or option in SECRET_OPTIONS):
            self.secrets.add(value)
            shown = MASK
        else:
            shown = value
        reason = getattr(exc, "reason", None)
        if path and reason:
            message = "%s: %s %s" % (path, shown if isinstance(shown, str) else repr(shown), reason)
        else:
            message = str(exc)
        return self.fail(message, path=path, value=shown)

    def rendered(self, want):
        commands = self.cli_codec.render(self.resource, want)
        xml = self.xml_codec.render(self.resource, want)
        return {"changed": False, "rendered": self.masked_commands(commands), "xml": self.text(xml)}

    def parsed(self):
        text = self.params["running_config"]
        try:
            if text.lstrip().startswith("<"):
                parsed = self.xml_codec.parse(self.resource, text)
            else:
                parsed = self.cli_codec.parse(self.resource, text)
        except etree.XMLSyntaxError as exc:
            return self.fail("running_config is not well-formed XML: %s" % exc)
        except self.model.ValidationError as exc:
            return self.fail("running_config holds a value this module cannot represent: %s" % self.validation_failure(exc)["msg"])
        return {"changed": False, "parsed": self.masked(parsed)}

    def online(self, want):
        transport = (self.opener or connect)(self.task_vars, templar=self.templar)
        try:
            before = self.read(transport)
            self.remember_secrets(before)
            if self.state == "gathered":
                return {"changed": False, "gathered": self.masked(before)}
            return self.configure(transport, before, want)
        finally:
            transport.close()

    def configure(self, transport, before, want):
        """Compute after, send the difference, and check the device holds it (normalisation.NORMALISATIONS).

        before and after are compared with the defaults the device adds filled in and with the keys the
        device already holds kept in its stored form, so a second run sends nothing.
        """
        norm = self.normalisation
        after = self.states.compute_after(self.resource, self.state, before, want)
        self.remember_secrets(after)
        self.model.validate_references(self.resource, after)
        held = norm.device_view(self.resource, before)
        after, notes = norm.settle_keys(self.resource, held, norm.device_view(self.resource, after), self.key_update)
        result = {"before": self.masked(before)}
        if transport.kind == "cli":
            commands = list(self.cli_codec.diff_commands(self.resource, held, after))
            changed = bool(commands)
            result["commands"] = self.masked_commands(commands)
        else:
            xml = self.xml_codec.diff_edit(self.resource, held, after)
            changed = bool(xml)
            result["xml"] = self.text(xml) if xml else ""
        result["changed"] = changed
        if notes:
            result["warnings"] = [self.text(note) for note in notes]
        if changed and not self.check_mode:
            failure = self.apply(transport, before, commands if transport.kind == "cli" else xml)
            if failure:
                failure["before"] = result["before"]
                failure.update({k: result[k] for k in ("commands", "xml") if k in result})
                return failure
            now = self.read(transport)
            intent = after
            if self.state == "merged":  # merged: the task's config must be contained in what the device holds
                intent = norm.settle_keys(self.resource, held, want, self.key_update)[0]
            problems = norm.differences(self.resource, self.state, intent, now)
            if problems:
                return self.fail(
                    "the device accepted the change but does not hold the intended configuration afterwards: %s%s"
                    % ("; ".join(problems[:5]), " (and %d more)" % (len(problems) - 5) if len(problems) > 5 else ""),
                    before=result["before"], after=self.masked(after), device=self.masked(now), differences=problems,
                    **{k: result[k] for k in ("commands", "xml") if k in result})
            after = now
        result["after"] = self.masked(after if changed else before)
        if self.diff:
            result["diff"] = {"before": yaml_text(result["before"]), "after": yaml_text(result["after"])}
        return result

    def apply(self, transport, before, change):
        """Send the change. A NETCONF edit is atomic; a CLI set that fails half-way is undone."""
        try:
            if transport.kind == "cli":
                transport.apply(change)
            else:
                transport.edit(change)
            return None
        except TransportError as exc:
            message = str(exc)
            if transport.kind != "cli":
                return self.fail(message + " (nothing was changed on the device)")
        # IOS applies CLI lines one at a time: put back what was there before the failed set
        try:
            current = self.read(transport)
            restore = list(self.cli_codec.diff_commands(self.resource, current, before))
            if restore:
                transport.apply(restore)
            outcome = "the lines applied before the failure were rolled back" if restore else "nothing was changed on the device"
        except TransportError as restore_exc:
            outcome = "restoring the previous configuration failed too: %s" % restore_exc
        return self.fail("%s (%s)" % (message, outcome))


class ResourceActionBase(ActionBase):
    """Action plugin for one LISP resource module; subclasses set RESOURCE and ARGSPEC."""

    RESOURCE = None
    ARGSPEC = None
    # Ansible starts the host's persistent connection (network_cli, netconf) for the task; with
    # ansible_connection=local the plugin opens its own NETCONF/SSH session (connection_transport.Opener)
    _requires_connection = True
    _supports_check_mode = True
    _supports_async = False

    def device_vars(self, task_vars):
        """The variables of the device to manage: the delegated host's with delegate_to."""
        target = getattr(self._task, "delegate_to", None)
        delegated = task_vars.get("ansible_delegated_vars") or {}
        if target and isinstance(delegated, dict) and target in delegated:
            merged = dict(task_vars)
            for name in ("ansible_host", "ansible_user", "ansible_password", "ansible_ssh_private_key_file",
                         "ansible_become_password", "inventory_hostname"):
                merged.pop(name, None)
            merged["inventory_hostname"] = target
            merged.update(delegated[target])
            return merged
        return task_vars

    def run(self, tmp=None, task_vars=None):
        super().run(tmp, task_vars)
        del tmp
        task_vars = self.device_vars(task_vars or {})
        validator = ArgumentSpecValidator(self.ARGSPEC)
        validation = validator.validate(dict(self._task.args))
        secrets = set(str(v) for v in validation._no_log_values if v)  # pylint: disable=protected-access  # no public accessor
        if validation.error_messages:
            return {"failed": True, "changed": False,
                    "msg": scrub("Invalid arguments for %s: %s" % (self._task.action, "; ".join(validation.error_messages)), secrets)}
        params = validation.validated_parameters
        opener = Opener(self)
        try:
            run = ResourceRun(self.RESOURCE, params, check_mode=bool(self._task.check_mode), diff=bool(self._task.diff),
                              task_vars=task_vars, templar=self._templar, secrets=secrets,
                              opener=opener if opener.persistent else None)
        except ImportError as exc:
            return {"failed": True, "changed": False, "msg": "lispnet.lisp is incomplete: %s" % exc}
        result = run.run()
        if params.get("state") in CONFIG_STATES + ("gathered",) and not result.get("failed"):
            try:
                result.setdefault("transport", opener.kind or transport_kind(task_vars, self._templar))
            except TransportError:
                pass
            if opener.persistent:
                result.setdefault("connection", opener.connection_name)
        return copy.deepcopy(result)
