# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run Genie's IOS-XE parsers on captured show output (the `genie` stage; runs in .state/venv-genie).

Reads ``[{"command": C, "output": TEXT, "schema": true}, ...]`` as JSON on stdin and writes
``{C: {"parsed": {...}} or {"error": "..."}}`` on stdout. With ``schema`` a command goes through
``Device.parse(command, output=)``, the way pyATS users and ``ansible.utils.cli_parse`` call it: Genie
picks the parser by the command, reads the text and validates the result against the parser's schema.
Without, the same parser's ``cli(output=)`` reads the text and nothing validates it. With
``"parser": "MODULE.CLASS"`` (and ``"kwargs"``) that parser reads the text and its schema validates
it: for a command Genie's look-up gives to another parser (``show lisp instance-id N ipv4 server
summary`` goes to the server-detail parser, with ``summary`` taken for an EID).
"""

import importlib
import json
import sys


def main():
    # pylint: disable=import-outside-toplevel  # Genie exists only in the genie stage's own venv
    from genie.conf.base import Device
    from genie.libs.parser.utils.common import get_parser

    device = Device("lispxtr", os="iosxe")
    device.custom.setdefault("abstraction", {})["order"] = ["os"]
    result = {}
    for request in json.load(sys.stdin):
        command, output = request["command"], request["output"]
        try:
            if request.get("parser"):
                module, _dot, name = request["parser"].rpartition(".")
                parser = getattr(importlib.import_module(module), name)
                parsed = parser(device=device).parse(output=output, **request.get("kwargs", {}))
            elif request.get("schema", True):
                parsed = device.parse(command, output=output)
            else:
                parser, kwargs = get_parser(command, device)
                parsed = parser(device=device).cli(output=output, **kwargs)
            result[command] = {"parsed": json.loads(json.dumps(dict(parsed), default=str))}
        except Exception as exc:  # pylint: disable=broad-except  # report every parser failure by command
            result[command] = {"error": "%s: %s" % (type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")}
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
