"""Badge images: one SVG design per milestone, and baked copies carrying the credential.

Baking follows Open Badges 3.0 §5.3: a PNG gets exactly one uncompressed ``iTXt`` chunk with
keyword ``openbadgecredential`` holding the VC-JWT; an SVG gets the ``openbadges`` namespace and
an ``<openbadges:credential verify="…"/>`` element right after the opening ``<svg>`` tag.
"""

from __future__ import annotations

import re
import struct
import textwrap
import zlib
from functools import cache

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import escape

from criteria import Milestone
from templates import TEMPLATES_DIR

OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
BADGE_PIXELS = 400


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR / "badge"),
        autoescape=select_autoescape(["svg"], default=True),
    )


def badge_svg(milestone: Milestone) -> str:
    """The milestone's badge design (its colour, number, name and level)."""
    lines = textwrap.wrap(milestone.badge.name.upper(), 16) or [""]
    return (
        _environment()
        .get_template("badge.svg")
        .render(
            badge_name=milestone.badge.name,
            milestone_title=milestone.title,
            level=milestone.level,
            number=milestone.number,
            colour=milestone.badge.colour,
            name_lines=lines[:2],
            name_font=26 if max(len(line) for line in lines) <= 13 else 22,
        )
    )


_BAKED = re.compile(
    r"\s*<openbadges:credential\b[^>]*?(?:/>|>.*?</openbadges:credential>)", re.DOTALL
)


def bake_svg(svg: str, token: str) -> str:
    """The SVG with the credential baked in (OB 3.0 §5.3.2); an earlier baking is replaced."""
    svg = _BAKED.sub("", svg)
    start = svg.index("<svg")
    end = svg.index(">", start)
    opening = svg[start:end]
    if "xmlns:openbadges=" not in opening:
        opening += f' xmlns:openbadges="{OB3_NAMESPACE}"'
    element = f'<openbadges:credential verify="{escape(token)}"/>'
    return f"{svg[:start]}{opening}>\n  {element}{svg[end + 1 :]}"


@cache
def _png(svg: str) -> bytes:
    import cairosvg

    png: bytes = cairosvg.svg2png(
        bytestring=svg.encode(), output_width=BADGE_PIXELS, output_height=BADGE_PIXELS
    )
    return png


def badge_png(milestone: Milestone) -> bytes:
    """The badge design as a PNG (rendered once per design)."""
    return _png(badge_svg(milestone))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bake_png(png: bytes, token: str) -> bytes:
    """The PNG with one uncompressed ``openbadgecredential`` iTXt chunk before ``IEND``.

    An existing chunk with that keyword is replaced (re-baking never leaves two).
    """
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    body = PNG_KEYWORD + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + token.encode("utf-8")
    out, offset = [PNG_SIGNATURE], len(PNG_SIGNATURE)
    while offset < len(png):
        length, kind = struct.unpack(">I4s", png[offset : offset + 8])
        chunk = png[offset : offset + 12 + length]
        offset += 12 + length
        if kind == b"iTXt" and chunk[8:].startswith(PNG_KEYWORD + b"\x00"):
            continue
        if kind == b"IEND":
            out.append(_chunk(b"iTXt", body))
        out.append(chunk)
    return b"".join(out)
