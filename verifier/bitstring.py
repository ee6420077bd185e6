"""W3C Bitstring Status List v1.0 encoding: ``"u"`` + base64url(GZIP(bits)), index 0 leftmost."""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Iterable

from verifier.errors import BitstringError
from verifier.jose import b64url_decode

#: A list must hold at least 131,072 entries (16 KiB) for herd privacy [BSL §2.2].
MIN_ENTRIES = 131_072
#: The spec sets no largest size; this verifier reads lists of up to 2^24 entries (2 MiB): 128
#: times the herd-privacy minimum, one list for 16.7 million credentials (Vouch starts a new
#: list of 131,072 when one fills). A larger list is refused, as is a gzip bomb.
MAX_ENTRIES = 2**24
MAX_DECODED_BYTES = MAX_ENTRIES // 8


def encode(bits: bytes) -> str:
    # mtime=0 keeps the encoding a pure function of the bits (stable ETags).
    compressed = gzip.compress(bits, compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def decode(encoded: str, *, max_bytes: int = MAX_DECODED_BYTES) -> bytes:
    """Decode an ``encodedList``; accepts the legacy StatusList2021 form without ``u``."""
    text = encoded[1:] if encoded.startswith("u") else encoded
    try:  # strict, as the spec's "base64url with no padding": nothing is skipped over
        compressed = b64url_decode(text)
    except ValueError as exc:
        raise BitstringError(f"encodedList is not base64url: {exc}") from None
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        bits = inflater.decompress(compressed, max_bytes)
    except zlib.error as exc:
        raise BitstringError(f"encodedList is not GZIP data: {exc}") from None
    if inflater.unconsumed_tail:
        raise BitstringError(
            f"encodedList expands beyond {max_bytes} bytes ({max_bytes * 8} entries, the limit)"
        )
    if not inflater.eof:
        raise BitstringError("encodedList is truncated GZIP data")
    return bits


def with_bits_set(size: int, indexes: Iterable[int]) -> bytes:
    """A list of ``size`` entries with the given indexes set to 1."""
    buf = bytearray((size + 7) // 8)
    for index in indexes:
        if not 0 <= index < size:
            raise IndexError(f"status index {index} outside a list of {size}")
        buf[index // 8] |= 0x80 >> (index % 8)
    return bytes(buf)


def bit(bits: bytes, index: int) -> int:
    """The entry at ``index`` (index 0 is the most significant bit of byte 0)."""
    if not 0 <= index < len(bits) * 8:
        raise IndexError(f"status index {index} outside a list of {len(bits) * 8}")
    return (bits[index // 8] >> (7 - index % 8)) & 1
