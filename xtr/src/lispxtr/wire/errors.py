"""The one exception the wire layer raises."""


class LispWireError(ValueError):
    """Bad LISP bytes (on decode) or an unencodable value (on encode).

    The message names the message, record and field, and the offending value.
    """


def is_int(value) -> bool:
    """An ``int`` that is not a ``bool`` (``True`` is no priority, port or nonce)."""
    return isinstance(value, int) and not isinstance(value, bool)
