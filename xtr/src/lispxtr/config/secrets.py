"""Password and key storage as IOS-XE does it: types 0, 7, 8 and 9.

* ``secret`` (``username ... secret``, ``enable secret``) is one-way: IOS-XE 17 hashes a clear-text
  secret with scrypt when it is entered and shows it as type 9 (``$9$<salt>$<hash>``: salt of 14
  characters, scrypt N=16384 r=1 p=1, 32 bytes, written in Cisco's base64 alphabet ``./0-9A-Za-z``).
  Type 8 (PBKDF2-SHA256, 20000 iterations, same encoding) is accepted too.
* ``password`` (``username ... password``) is reversible: type 0 is clear text, type 7 is the old
  Vigenère-style obfuscation (not encryption).
* LISP keys (``authentication-key``, ``etr map-server ... key``) must stay readable, because both ends
  compute an HMAC with them (RFC 9301 §5.6): types 0 and 7 can be turned back into the key; type 6 is
  encrypted with the device's master key (``key config-key password-encrypt``) and needs it.

Type 6 here: IOS-XE's exact type 6 format is not published, so this router uses its own scheme of the
same shape (AES with the master key; one word of printable characters). Its strings are NOT
interchangeable with a real router's, and a type 6 string made elsewhere is kept as given but cannot
be decrypted here. The scheme: keys = scrypt(master, salt "lispxtr type 6", N=16384 r=8 p=1, 64 bytes),
the first 32 bytes an AES-256 key, the last 32 an HMAC-SHA256 key; a type 6 string is Cisco64 (no
padding) of ``iv (16 random bytes) || AES-256-CTR(key, iv, clear) || HMAC-SHA256(iv || ciphertext)[:16]``.

Every stored form is one word of printable characters with a bounded length (KEY_MAX characters of
clear text), so that no secret can end its line in a configuration text.

Nothing here logs or puts a secret in an exception message.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import re
import secrets as _random

CISCO64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_STD64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_TO_CISCO = str.maketrans(_STD64, CISCO64)
_FROM_CISCO = str.maketrans(CISCO64, _STD64)
# The fixed key of type 7 (public since the 1990s; it protects nothing).
_XLAT = b"dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"

TYPE9 = re.compile(r"\$9\$[./0-9A-Za-z]{14}\$[./0-9A-Za-z]{43}\Z")
TYPE8 = re.compile(r"\$8\$[./0-9A-Za-z]{1,32}\$[./0-9A-Za-z]{43}\Z")
TYPE7 = re.compile(r"(0[0-9]|1[0-5])([0-9A-Fa-f]{2})*\Z")
TYPE6_OURS = re.compile(r"[./0-9A-Za-z]{45,}\Z")  # 16 + 1 + 16 bytes at least

KEY_MAX = 128  # clear text of a key, secret or password (docs/security.md, "Input bounds")
STORED_MAX = {0: KEY_MAX, 6: 4 * (16 + 4 * KEY_MAX + 16) // 3 + 4, 7: 2 + 2 * 4 * KEY_MAX, 8: 80, 9: 80}
MASTER_KEY_RANGE = (6, 128)  # ``key config-key password-encrypt``: the master key's length
_TYPE6_SALT = b"lispxtr type 6"


class SecretError(ValueError):
    """A stored secret cannot be used (bad format, or a type this router cannot decrypt)."""


def _cisco64(raw):
    return base64.b64encode(raw).decode("ascii").translate(_TO_CISCO).rstrip("=")


def hash_type9(clear, salt=None):
    """Return the type 9 (scrypt) form of a clear-text secret; salt: 14 Cisco64 characters or random."""
    if salt is None:
        salt = "".join(_random.choice(CISCO64) for _unused in range(14))
    digest = hashlib.scrypt(clear.encode("utf-8"), salt=salt.encode("ascii"), n=16384, r=1, p=1, dklen=32)
    return "$9$%s$%s" % (salt, _cisco64(digest))


def hash_type8(clear, salt):
    digest = hashlib.pbkdf2_hmac("sha256", clear.encode("utf-8"), salt.encode("ascii"), 20000, 32)
    return "$8$%s$%s" % (salt, _cisco64(digest))


def deterministic_salt(*parts):
    """A 14-character salt derived from parts (used when rendering a tree built with a clear secret)."""
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).digest()
    return "".join(CISCO64[b % 64] for b in digest[:14])


def encode_type7(clear, seed=None):
    if seed is None:
        seed = _random.randbelow(16)
    out = ["%02d" % seed]
    for index, char in enumerate(clear.encode("utf-8")):
        out.append("%02X" % (char ^ _XLAT[(seed + index) % len(_XLAT)]))
    return "".join(out)


def decode_type7(text):
    if not TYPE7.match(text):
        raise SecretError("not a valid type 7 string")
    seed = int(text[:2])
    raw = bytes.fromhex(text[2:])
    return bytes(b ^ _XLAT[(seed + i) % len(_XLAT)] for i, b in enumerate(raw)).decode("utf-8", "replace")


def check_stored(kind, secret_type, value):
    """Raise SecretError (no value in the message) unless value is a valid stored form of that type.

    Every type: one word of printable characters (no control character, no space), bounded length.
    """
    if not isinstance(value, str) or not value:
        raise SecretError("expected a %s (one word)" % kind)
    if not value.isprintable():
        raise SecretError("a %s may not contain control characters" % kind)
    if any(char.isspace() for char in value):
        raise SecretError("a %s must be one word (no spaces)" % kind)
    limit = STORED_MAX.get(secret_type, KEY_MAX)
    if len(value) > limit:
        raise SecretError("a type %d %s is at most %d characters (got %d)" % (secret_type, kind, limit, len(value)))
    if secret_type == 9 and not TYPE9.match(value):
        raise SecretError("not a valid type 9 secret ($9$ followed by a 14-character salt, '$' and 43 characters)")
    if secret_type == 8 and not TYPE8.match(value):
        raise SecretError("not a valid type 8 secret ($8$<salt>$<43 characters>)")
    if secret_type == 7 and not TYPE7.match(value):
        raise SecretError("not a valid type 7 %s (two decimal digits 00..15 then pairs of hex digits)" % kind)


def verify(stored, stored_type, offered):
    """True when the clear-text offered matches a stored secret/password of the given type."""
    if offered is None:
        return False
    if stored_type == 0:
        return hmac.compare_digest(stored.encode("utf-8"), offered.encode("utf-8"))
    if stored_type == 7:
        try:
            clear = decode_type7(stored)
        except SecretError:
            return False
        return hmac.compare_digest(clear.encode("utf-8"), offered.encode("utf-8"))
    if stored_type == 9 and TYPE9.match(stored):
        salt = stored[3:17]
        return hmac.compare_digest(hash_type9(offered, salt).encode("ascii"), stored.encode("ascii"))
    if stored_type == 8 and TYPE8.match(stored):
        salt = stored.split("$")[2]
        return hmac.compare_digest(hash_type8(offered, salt).encode("ascii"), stored.encode("ascii"))
    return False


def check_master_key(master):
    """Raise SecretError unless master is a usable master key (printable, one word, 6..128 characters)."""
    low, high = MASTER_KEY_RANGE
    if not master.isprintable() or any(char.isspace() for char in master):
        raise SecretError("the master key must be one word of printable characters")
    if not low <= len(master) <= high:
        raise SecretError("the master key must be %d..%d characters (got %d)" % (low, high, len(master)))


@functools.lru_cache(maxsize=8)
def _type6_keys(master):
    derived = hashlib.scrypt(master.encode("utf-8"), salt=_TYPE6_SALT, n=16384, r=8, p=1, maxmem=64 << 20, dklen=64)
    return derived[:32], derived[32:]


def _aes_ctr(key, iv, data):
    # cryptography comes with asyncssh (a dependency of lispxtr); the standard library has no AES.
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # pylint: disable=import-outside-toplevel  # only for type 6

    transform = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return transform.update(data) + transform.finalize()


def encrypt_type6(clear, master, iv=None):
    """The type 6 form of clear under master (see the module docstring; random iv unless given)."""
    enc_key, mac_key = _type6_keys(master)
    iv = _random.token_bytes(16) if iv is None else iv
    body = iv + _aes_ctr(enc_key, iv, clear.encode("utf-8"))
    return _cisco64(body + hmac.new(mac_key, body, "sha256").digest()[:16])


def decrypt_type6(text, master):
    """The clear key of a type 6 string made by encrypt_type6 with master; SecretError otherwise."""
    if not master:
        raise SecretError("a type 6 key needs the master key (key config-key password-encrypt), which is not set")
    if not TYPE6_OURS.match(text):
        raise SecretError("this type 6 key was not made by this router and cannot be decrypted here")
    std = text.translate(_FROM_CISCO)
    try:
        raw = base64.b64decode(std + "=" * (-len(std) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise SecretError("this type 6 key was not made by this router and cannot be decrypted here") from None
    enc_key, mac_key = _type6_keys(master)
    body, tag = raw[:-16], raw[-16:]
    if len(body) < 17 or not hmac.compare_digest(hmac.new(mac_key, body, "sha256").digest()[:16], tag):
        raise SecretError("this type 6 key does not decrypt with the configured master key")
    try:
        return _aes_ctr(enc_key, body[:16], body[16:]).decode("utf-8")
    except UnicodeDecodeError:
        raise SecretError("this type 6 key does not decrypt with the configured master key") from None


def reveal_key(key, key_type, master=None):
    """The clear LISP key for HMAC computation from a configured key and its type (0, 6 or 7);
    type 6 needs the master key."""
    if key_type == 0:
        return key
    if key_type == 7:
        return decode_type7(key)
    if key_type == 6:
        return decrypt_type6(key, master)
    raise SecretError("a type %d key cannot be used as a LISP key" % key_type)
