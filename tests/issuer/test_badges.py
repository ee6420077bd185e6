"""Badge images: the six designs, baking (OB 3.0 §5.3), the routes, sharing and the CLI.

Baked files are read back with the parsers in this file (struct/zlib for PNG chunks, defusedxml
for SVG), independent of ``verifier.artefacts``; the verifier then checks what was unbaked.
"""

from __future__ import annotations

import io
import json
import struct
import uuid
import zlib
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from defusedxml import ElementTree
from PIL import Image

from criteria import load_catalogue
from issuer.app import create_app
from issuer.badges import BADGE_PIXELS, badge_png, badge_svg, bake_png, bake_svg
from issuer.config import Settings
from issuer.db import Database
from issuer.keystore import KeyStore
from issuer.service import Issuer
from issuer.verification import verifier_options
from tests.criteria.bundles import meeting_bundle
from verifier import CheckStatus, State, Verifier, WsgiFetcher

CATALOGUE = load_catalogue()
MILESTONES = [m.id for m in CATALOGUE]
PUBLIC_URL = "https://vouch.test"
ISSUER_NAME = "Vouch Test Issuer"
PASSPHRASE = "badge-tests-passphrase"
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
OB3 = "https://purl.imsglobal.org/ob/v3p0"
SVG = "http://www.w3.org/2000/svg"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


# -- independent readers ------------------------------------------------------------------------


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Every chunk (type, body) of a PNG, each CRC checked; IEND must be the last."""
    assert data.startswith(PNG_SIGNATURE)
    chunks, offset = [], len(PNG_SIGNATURE)
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert len(body) == length
        assert crc == zlib.crc32(kind + body), f"bad CRC on {kind!r}"
        chunks.append((kind, body))
        offset += 12 + length
    assert chunks[-1] == (b"IEND", b"")
    return chunks


def parse_itxt(body: bytes) -> dict:
    """iTXt (PNG §11.3.4.5): keyword NUL flag method language NUL translated NUL text."""
    keyword, rest = body.split(b"\x00", 1)
    flag, method, rest = rest[0], rest[1], rest[2:]
    language, rest = rest.split(b"\x00", 1)
    translated, text = rest.split(b"\x00", 1)
    return {
        "keyword": keyword,
        "compressed": flag,
        "method": method,
        "language": language,
        "translated": translated,
        "text": text.decode("utf-8"),
    }


def baked_chunks(data: bytes) -> list[dict]:
    return [
        parse_itxt(body)
        for kind, body in png_chunks(data)
        if kind == b"iTXt" and body.startswith(KEYWORD + b"\x00")
    ]


def unbake_png(data: bytes) -> str:
    (chunk,) = baked_chunks(data)
    return chunk["text"]


def svg_namespaces(data: bytes) -> dict[str, str]:
    """The namespace declarations on the root element."""
    declared: dict[str, str] = {}
    for event, item in ElementTree.iterparse(io.BytesIO(data), events=("start-ns", "start")):
        if event == "start":
            return declared
        prefix, uri = item
        declared[prefix] = uri
    return declared


def unbake_svg(data: bytes) -> str:
    root = ElementTree.fromstring(data)
    first = next(iter(root))
    assert first.tag == f"{{{OB3}}}credential"
    return first.get("verify")


class Tags(HTMLParser):
    """Start tags with their attributes, and the text inside each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._script: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_data(self, data):
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def parse_html(text: str) -> Tags:
    parser = Tags()
    parser.feed(text)
    parser.close()
    return parser


# -- fixtures -----------------------------------------------------------------------------------


def issue(issuer: Issuer, name: str = "Ada Lovelace", milestone: str = "foundation-mastery"):
    bundle = meeting_bundle(CATALOGUE[milestone])
    learner = f"learner-{uuid.uuid4().hex[:12]}"
    bundle["learner"] = {"id": learner, "name": name, "email": f"{learner}@example.org"}
    record = issuer.issue(bundle).credential
    assert record is not None
    return record


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One SQLite issuer, its app and one issued credential, for the whole module."""
    root = tmp_path_factory.mktemp("badges")
    url = f"sqlite:///{root / 'vouch.sqlite3'}"
    settings = Settings(
        instance_path=root / "instance",
        database_url=url,
        keys_dir=root / "keys",
        public_url=PUBLIC_URL,
        issuer_name=ISSUER_NAME,
        key_passphrase=PASSPHRASE,
        admin_token="admin-secret-token",
    )
    keys = KeyStore(settings.keys_dir, settings.key_passphrase)
    keys.init(settings.issuer_name, "ES256")
    issuer = Issuer(settings, Database(url), keys, CATALOGUE)
    issuer.db.upgrade()
    issuer.sync()
    app = create_app(issuer=issuer)
    record = issue(issuer)
    yield SimpleNamespace(
        issuer=issuer,
        app=app,
        client=app.test_client(),
        verifier=Verifier(WsgiFetcher(app, PUBLIC_URL), verifier_options(issuer.settings)),
        record=record,
        uuid=record.id.removeprefix("urn:uuid:"),
        verify_url=issuer.verify_url(record.id),
        png=issuer.baked_badge(record, "png"),
        svg=issuer.baked_badge(record, "svg"),
    )
    issuer.db.dispose()


def assert_verified(result) -> None:
    assert result.state is State.VERIFIED, result.checks
    assert all(c.status in (CheckStatus.PASS, CheckStatus.SKIP) for c in result.checks)


# -- the designs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("milestone_id", MILESTONES)
def test_badge_svg_is_well_formed_and_names_the_badge(milestone_id):
    milestone = CATALOGUE[milestone_id]
    svg = badge_svg(milestone)
    root = ElementTree.fromstring(svg.encode())
    assert root.tag == f"{{{SVG}}}svg"
    assert milestone.badge.name in svg
    text = " ".join("".join(e.itertext()) for e in root.iter() if e.tag != f"{{{SVG}}}svg")
    assert milestone.badge.name in text or milestone.badge.name.upper() in text


def test_the_six_badges_have_six_distinct_fill_colours():
    fills = []
    for milestone in CATALOGUE:
        root = ElementTree.fromstring(badge_svg(milestone).encode())
        shape = root.find(f"{{{SVG}}}polygon")
        fills.append(shape.get("fill").lower())
        assert shape.get("fill") == milestone.badge.colour
    assert len(fills) == 6
    assert len(set(fills)) == 6


@pytest.mark.parametrize("milestone_id", MILESTONES)
def test_badge_png_is_a_400_pixel_square(milestone_id):
    image = Image.open(io.BytesIO(badge_png(CATALOGUE[milestone_id])))
    assert image.format == "PNG"
    assert image.size == (BADGE_PIXELS, BADGE_PIXELS) == (400, 400)


# -- baked PNG ------------------------------------------------------------------------------------


def test_baked_png_has_one_uncompressed_itxt_chunk_holding_the_jwt(world):
    (chunk,) = baked_chunks(world.png)
    assert chunk["keyword"] == KEYWORD
    assert chunk["compressed"] == 0
    assert chunk["method"] == 0
    assert chunk["language"] == b""
    assert chunk["translated"] == b""
    assert chunk["text"] == world.record.jwt


def test_baked_png_chunk_comes_before_iend(world):
    kinds = [kind for kind, _ in png_chunks(world.png)]
    assert kinds[0] == b"IHDR"
    assert kinds[-1] == b"IEND"
    assert kinds.count(b"IEND") == 1
    assert kinds.index(b"iTXt") < kinds.index(b"IEND")


def test_rebaking_a_png_replaces_the_chunk(world):
    rebaked = bake_png(world.png, "eyJhbGciOiJub25lIn0.e30.again")
    chunks = baked_chunks(rebaked)
    assert [c["text"] for c in chunks] == ["eyJhbGciOiJub25lIn0.e30.again"]
    others = [c for c in png_chunks(world.png) if c[0] != b"iTXt"]
    assert [c for c in png_chunks(rebaked) if c[0] != b"iTXt"] == others


def test_baked_png_still_opens_as_an_image(world):
    image = Image.open(io.BytesIO(world.png))
    image.load()
    assert image.size == (400, 400)
    Image.open(io.BytesIO(world.png)).verify()


def test_baked_png_pixels_are_the_design(world):
    plain = Image.open(io.BytesIO(badge_png(CATALOGUE["foundation-mastery"]))).convert("RGBA")
    baked = Image.open(io.BytesIO(world.png)).convert("RGBA")
    assert plain.tobytes() == baked.tobytes()


def test_bake_png_refuses_what_is_not_a_png():
    with pytest.raises(ValueError, match="not a PNG"):
        bake_png(b"GIF89a....", "a.b.c")


# -- baked SVG ------------------------------------------------------------------------------------


def test_baked_svg_declares_the_ob3_namespace_on_the_root(world):
    assert svg_namespaces(world.svg).get("openbadges") == OB3


def test_baked_svg_first_child_is_the_credential_with_the_jwt(world):
    root = ElementTree.fromstring(world.svg)
    first = next(iter(root))
    assert first.tag == f"{{{OB3}}}credential"
    assert first.get("verify") == world.record.jwt
    assert len(root.findall(f".//{{{OB3}}}credential")) == 1


def test_bake_svg_escapes_a_token_that_tries_to_break_out():
    token = 'abc"><script>alert(1)</script><x y="'
    baked = bake_svg(badge_svg(CATALOGUE["foundation-mastery"]), token).encode()
    root = ElementTree.fromstring(baked)
    assert next(iter(root)).get("verify") == token
    assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "script"]


def test_rebaking_an_svg_leaves_one_credential(world):
    rebaked = bake_svg(world.svg.decode(), "eyJhbGciOiJub25lIn0.e30.again").encode()
    root = ElementTree.fromstring(rebaked)
    found = root.findall(f".//{{{OB3}}}credential")
    assert [e.get("verify") for e in found] == ["eyJhbGciOiJub25lIn0.e30.again"]


# -- unbaking and verifying ---------------------------------------------------------------------


def test_jwt_unbaked_from_the_png_verifies(world):
    token = unbake_png(world.png)
    assert token == world.record.jwt
    assert_verified(world.verifier.verify(token))


def test_jwt_unbaked_from_the_svg_verifies(world):
    token = unbake_svg(world.svg)
    assert token == world.record.jwt
    assert_verified(world.verifier.verify(token))


@pytest.mark.parametrize("image_format", ["png", "svg"])
def test_verifier_reads_the_baked_file_itself(world, image_format):
    data = world.png if image_format == "png" else world.svg
    result = world.verifier.verify(data)
    assert_verified(result)
    assert result.credential["id"] == world.record.id


# -- routes ---------------------------------------------------------------------------------------


def test_badge_png_route_serves_the_baked_png(world):
    response = world.client.get(f"/api/v1/credentials/{world.uuid}/badge.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert unbake_png(response.data) == world.record.jwt


def test_badge_svg_route_serves_the_baked_svg_with_a_csp(world):
    response = world.client.get(f"/api/v1/credentials/{world.uuid}/badge.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert unbake_svg(response.data) == world.record.jwt


def test_achievement_image_svg_is_the_plain_design(world):
    response = world.client.get("/achievements/foundation-mastery/image.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "Content-Security-Policy" in response.headers
    root = ElementTree.fromstring(response.data)
    assert root.find(f".//{{{OB3}}}credential") is None
    assert "openbadges" not in svg_namespaces(response.data)


def test_achievement_image_png_is_the_plain_design(world):
    response = world.client.get("/achievements/foundation-mastery/image.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert baked_chunks(response.data) == []
    assert response.data == badge_png(CATALOGUE["foundation-mastery"])


@pytest.mark.parametrize("image_format", ["png", "svg"])
def test_unknown_milestone_image_is_404(world, image_format):
    response = world.client.get(f"/achievements/no-such-milestone/image.{image_format}")
    assert response.status_code == 404


@pytest.mark.parametrize("image_format", ["png", "svg"])
def test_badge_of_an_unknown_credential_is_404(world, image_format):
    response = world.client.get(f"/api/v1/credentials/{UNKNOWN_UUID}/badge.{image_format}")
    assert response.status_code == 404
    assert response.is_json


# -- sharing --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def share(world):
    response = world.client.get(f"/api/v1/credentials/{world.uuid}")
    assert response.status_code == 200
    return response.get_json()["share"]


def test_embed_html_links_the_badge_to_the_verify_page(world, share):
    parsed = parse_html(share["embed_html"])
    assert [tag for tag, _ in parsed.tags] == ["a", "img"]
    (_, link), (_, image) = parsed.tags
    assert link["href"] == world.verify_url
    assert image["src"] == f"{PUBLIC_URL}/api/v1/credentials/{world.uuid}/badge.png"
    assert image["alt"].strip()
    assert "Foundation Master" in image["alt"]
    assert "<script" not in share["embed_html"].lower()


def test_linkedin_url_adds_the_certification(world, share):
    url = urlsplit(share["linkedin_url"])
    assert (url.scheme, url.netloc, url.path) == ("https", "www.linkedin.com", "/profile/add")
    query = {k: v[0] for k, v in parse_qs(url.query, strict_parsing=True).items()}
    assert all(len(v) == 1 for v in parse_qs(url.query).values())
    assert query["startTask"] == "CERTIFICATION_NAME"
    assert "Foundation Master" in query["name"]
    assert query["organizationName"] == ISSUER_NAME
    assert query["issueYear"] == str(world.record.issued_at.year)
    assert query["issueMonth"] == str(world.record.issued_at.month)
    assert query["certUrl"] == world.verify_url
    assert query["certId"] == world.record.id


def verify_page(world, record) -> Tags:
    uuid_ = record.id.removeprefix("urn:uuid:")
    response = world.client.get(f"/v/{uuid_}")
    assert response.status_code == 200
    return parse_html(response.get_data(as_text=True))


def json_ld(page: Tags) -> dict:
    (block,) = [text for attrs, text in page.scripts if attrs.get("type") == "application/ld+json"]
    return json.loads(block)


def test_verify_page_previews_with_the_badge_png(world):
    page = verify_page(world, world.record)
    og = {a.get("property"): a.get("content") for t, a in page.tags if t == "meta"}
    assert og["og:image"] == f"{PUBLIC_URL}/api/v1/credentials/{world.uuid}/badge.png"


def test_verify_page_has_json_ld_for_the_credential(world):
    data = json_ld(verify_page(world, world.record))
    assert data["@type"] == "EducationalOccupationalCredential"
    assert data["url"] == world.verify_url
    assert data["about"]["name"] == "Ada Lovelace"


def test_json_ld_cannot_be_broken_out_of_by_the_learner_name(world):
    name = "</script><script>alert(1)</script>"
    page = verify_page(world, issue(world.issuer, name))
    assert json_ld(page)["about"]["name"] == name
    assert all(attrs.get("type") == "application/ld+json" for attrs, _ in page.scripts)


# -- CLI ------------------------------------------------------------------------------------------


def test_cli_badge_writes_a_baked_png(cli):
    output = cli.root / "badge.png"
    result = cli.vouch("badge", cli.credential_id, "-o", str(output))
    assert result.exit_code == 0, result.output
    assert unbake_png(output.read_bytes()) == cli.jwt


def test_cli_badge_writes_a_baked_svg(cli):
    output = cli.root / "badge.svg"
    result = cli.vouch("badge", cli.credential_id, "-o", str(output))
    assert result.exit_code == 0, result.output
    assert unbake_svg(output.read_bytes()) == cli.jwt


def test_cli_badge_refuses_other_formats(cli):
    output = cli.root / "badge.gif"
    result = cli.vouch("badge", cli.credential_id, "-o", str(output))
    assert result.exit_code == 2
    assert not output.exists()
