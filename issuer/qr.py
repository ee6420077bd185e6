"""The certificate's QR code: qrcode encodes it, this module picks its mask faster and draws it.

qrcode chooses the mask by laying the data out eight times, once per mask pattern, and scoring
each layout with Python loops over every module (4 ms of the 6 ms a code took). The eight
layouts differ only by the mask, an XOR over the data modules, so :class:`QRCode` lays the data
out once, applies each mask to whole rows and columns held as integers, and scores them with
the same four penalty rules (ISO/IEC 18004 §7.8.3, as qrcode counts them): the same mask,
hence the same code, in a fraction of the time.

The code is drawn as the outlines of its dark areas, one closed path per area, instead of one
square per module: WeasyPrint parses SVG paths in Python, so ~45 subpaths draw several times
faster than ~600 squares (and no seams show between modules).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import qrcode
from markupsafe import Markup

_RUNS = re.compile(r"0{5,}|1{5,}")  # rule 1: five or more modules of one colour in a line
_FINDER_LIKE = re.compile(r"(?=10111010000|00001011101)")  # rule 3, overlapping matches

_MASKS: tuple[Callable[[int, int], bool], ...] = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (math.floor(i / 2) + math.floor(j / 3)) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i * j) % 3 + (i + j) % 2) % 2 == 0,
)  # qrcode.util.mask_func's patterns, i the row and j the column


@cache
def _mask_lines(version: int) -> tuple[tuple[list[int], list[int]], ...]:
    """Per mask pattern, the bits it flips in each row and each column (data modules only)."""
    probe = qrcode.QRCode(version=version)
    probe.data_cache = []  # no data to encode: the layout of the function patterns is enough
    probe.map_data = lambda data, mask_pattern: None  # type: ignore[method-assign]
    probe.makeImpl(True, 0)
    size = probe.modules_count
    data = [[cell is None for cell in row] for row in probe.modules]
    lines = []
    for mask in _MASKS:
        flips = [[data[i][j] and mask(i, j) for j in range(size)] for i in range(size)]
        rows = [_bits(row) for row in flips]
        columns = [_bits([flips[i][j] for i in range(size)]) for j in range(size)]
        lines.append((rows, columns))
    return tuple(lines)


def _bits(cells: Sequence[bool | None]) -> int:
    """A line of modules as an integer, the first module as the highest bit."""
    return int("".join("1" if cell else "0" for cell in cells), 2)


def penalty(rows: list[int], columns: list[int], size: int) -> int:
    """The four penalty rules, scored exactly as ``qrcode.util.lost_point`` scores them."""
    full = (1 << size) - 1
    texts = [format(line, f"0{size}b") for line in itertools.chain(rows, columns)]
    points = sum(len(run) - 2 for text in texts for run in _RUNS.findall(text))  # rule 1
    for upper, lower in itertools.pairwise(rows):  # rule 2: 2x2 blocks of one colour
        same_column = ~(upper ^ lower) & full
        same_row = ~(upper ^ (upper >> 1))
        points += 3 * (same_row & same_column & (same_column >> 1) & (full >> 1)).bit_count()
    points += 40 * sum(len(_FINDER_LIKE.findall(text)) for text in texts)  # rule 3
    dark = sum(row.bit_count() for row in rows)  # rule 4, qrcode's arithmetic
    return points + int(abs(float(dark) / (size**2) * 100 - 50) / 5) * 10


class QRCode(qrcode.QRCode[Any]):
    """qrcode's encoder with a faster choice of the same mask."""

    def best_mask_pattern(self) -> int:
        self.makeImpl(True, 0)  # format areas left light, as qrcode scores them
        size = self.modules_count
        rows = [_bits(row) for row in self.modules]
        columns = [_bits([row[j] for row in self.modules]) for j in range(size)]
        masks = _mask_lines(self.version)
        flip_rows, flip_columns = masks[0]  # undo mask 0: the unmasked data
        rows = [row ^ flip for row, flip in zip(rows, flip_rows, strict=True)]
        columns = [column ^ flip for column, flip in zip(columns, flip_columns, strict=True)]
        scores = [
            penalty(
                [row ^ flip for row, flip in zip(rows, mask_rows, strict=True)],
                [column ^ flip for column, flip in zip(columns, mask_columns, strict=True)],
                size,
            )
            for mask_rows, mask_columns in masks
        ]
        return scores.index(min(scores))  # the first of the best, as qrcode picks


def qr_outline(modules: Sequence[Sequence[bool | None]], offset: int = 0) -> str:
    """SVG path data tracing the outline of every dark area of a module matrix.

    Every boundary edge of a dark module runs with the dark side on its right; edges are
    chained into closed loops and straight runs merged. Holes come out wound the other way,
    so the default non-zero fill leaves them empty.
    """
    size = len(modules)
    width = size + 1  # vertex (x, y) is y * width + x
    blank = [False] * (size + 2)
    pad = [blank, *([False, *map(bool, row), False] for row in modules), blank]
    edges: dict[int, list[int]] = {}  # vertex -> where its boundary edges lead
    for y in range(size):
        above, row, below = pad[y], pad[y + 1], pad[y + 2]
        for x in range(size):
            if not row[x + 1]:
                continue
            corner = y * width + x  # the module's top-left corner
            if not above[x + 1]:
                edges.setdefault(corner, []).append(corner + 1)
            if not row[x + 2]:
                edges.setdefault(corner + 1, []).append(corner + 1 + width)
            if not below[x + 1]:
                edges.setdefault(corner + 1 + width, []).append(corner + width)
            if not row[x]:
                edges.setdefault(corner + width, []).append(corner)
    parts: list[str] = []
    for start in sorted(edges):
        if start not in edges:
            continue  # already on a traced loop
        loop = [start]
        while True:
            ends = edges[loop[-1]]
            end = ends.pop()
            if not ends:
                del edges[loop[-1]]
            if end == start:
                break
            loop.append(end)
        points = [(v % width, v // width) for v in loop]
        corners = [  # keep the corners only
            point
            for before, point, after in zip(
                points[-1:] + points[:-1], points, points[1:] + points[:1], strict=True
            )
            if not (before[0] == point[0] == after[0] or before[1] == point[1] == after[1])
        ]
        path = [f"M{corners[0][0] + offset} {corners[0][1] + offset}"]
        for here, there in itertools.pairwise(corners):
            path.append(
                f"h{there[0] - here[0]}" if here[1] == there[1] else f"v{there[1] - here[1]}"
            )
        parts.append("".join(path) + "z")
    return "".join(parts)


def qr_svg(url: str) -> Markup:
    """The verify URL as a vector QR code (error correction M: survives 15% damage)."""
    code = QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(url)
    code.make(fit=True)
    side = code.modules_count + 2 * code.border
    path = qr_outline(code.modules, code.border)
    return Markup(  # noqa: S704 - numbers and letters generated from the module matrix
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}">'
        f'<path d="{path}" fill="#000"/></svg>'
    )
