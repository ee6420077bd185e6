"""The certificate's QR code: the faster mask choice gives qrcode's code, the outline path draws
exactly its dark modules (the certificate tests decode the drawn code with zbar)."""

from __future__ import annotations

import random
import re
import uuid

import pytest
import qrcode
from qrcode import util

from issuer.qr import QRCode, _bits, penalty, qr_outline, qr_svg

M = qrcode.constants.ERROR_CORRECT_M


def urls() -> list[str]:
    rng = random.Random(7)
    verify = [f"https://vouch.test/v/{uuid.UUID(int=rng.getrandbits(128))}" for _ in range(40)]
    other = ["x", "HELLO WORLD 123", "0123456789" * 12] + [
        "https://example.org/" + "".join(rng.choices("abc/é-_0", k=rng.randint(1, 400)))
        for _ in range(20)
    ]
    return verify + other


def encoded(factory: type[qrcode.QRCode], url: str) -> qrcode.QRCode:
    code = factory(error_correction=M, border=2)
    code.add_data(url)
    code.make(fit=True)
    return code


@pytest.mark.parametrize("url", urls())
def test_the_faster_mask_choice_gives_qrcodes_code(url):
    ours, theirs = encoded(QRCode, url), encoded(qrcode.QRCode, url)
    assert ours.version == theirs.version
    assert ours.modules == theirs.modules


def test_penalty_scores_every_mask_as_qrcode_does():
    for url in urls()[::5]:
        code = encoded(qrcode.QRCode, url)
        size = code.modules_count
        for mask in range(8):
            code.makeImpl(True, mask)
            rows = [_bits(row) for row in code.modules]
            columns = [_bits([row[j] for row in code.modules]) for j in range(size)]
            assert penalty(rows, columns, size) == util.lost_point(code.modules), (url, mask)


def filled(path: str, size: int) -> list[list[bool]]:
    """Which unit cells the path fills (non-zero rule), by the winding number at their centres."""
    loops = []
    for subpath in re.findall(r"M[^M]*", path):
        x, y = map(int, re.match(r"M(-?\d+) (-?\d+)", subpath).groups())
        points = [(x, y)]
        for command, amount in re.findall(r"([hv])(-?\d+)", subpath):
            x, y = (x + int(amount), y) if command == "h" else (x, y + int(amount))
            points.append((x, y))
        assert subpath.endswith("z")  # closed by z, not by repeating the first point
        assert points[-1] != points[0]
        loops.append(points)
    cells = [[False] * size for _ in range(size)]
    for row in range(size):
        for column in range(size):
            cx, cy, winding = column + 0.5, row + 0.5, 0
            for points in loops:
                for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
                    if x1 == x2 and x1 > cx and min(y1, y2) < cy < max(y1, y2):
                        winding += 1 if y2 > y1 else -1
            cells[row][column] = winding != 0
    return cells


@pytest.mark.parametrize("url", urls()[:3] + urls()[-3:])
def test_the_outline_fills_exactly_the_dark_modules(url):
    code = encoded(QRCode, url)
    path = qr_outline(code.modules)
    assert filled(path, code.modules_count) == [[bool(m) for m in row] for row in code.modules]
    assert path.count("M") < sum(map(sum, code.modules)) / 5  # far fewer subpaths than modules


def test_outline_of_a_ring_and_of_a_checkerboard():
    ring = [[not (x == 1 and y == 1) for x in range(3)] for y in range(3)]  # a hole
    checker = [[(x + y) % 2 == 0 for x in range(5)] for y in range(5)]  # corner contacts only
    for matrix in (ring, checker):
        assert filled(qr_outline(matrix), len(matrix)) == matrix


def test_qr_svg_is_a_path_in_a_square_viewbox_with_the_quiet_zone():
    svg = str(qr_svg("https://vouch.test/v/00000000-0000-4000-8000-000000000000"))
    side = encoded(QRCode, "https://vouch.test/v/00000000-0000-4000-8000-000000000000")
    side = side.modules_count + 4
    assert svg.startswith(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}">')
    assert re.fullmatch(r'.*<path d="[Mhvz0-9 -]+" fill="#000"/></svg>', svg)
