"""Every input form the verifier accepts, on a real credential verified in-process.

A credential is issued by the ``issuer`` fixture and verified through
:class:`verifier.WsgiFetcher`, so the issuer's keys and status list are read from its own app
without a network. Each form (JWT string or bytes, JSON, envelope, baked PNG/SVG, verify URL)
must reach the same answer; everything else must be *unreadable* with a reason, never an
exception.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from types import SimpleNamespace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from criteria import load_catalogue
from issuer.app import create_app
from issuer.verification import verifier_options
from tests.criteria.bundles import LEARNER, meeting_bundle
from verifier import CheckStatus, State, Verifier, WsgiFetcher
from verifier.artefacts import MAX_ARTEFACT_BYTES, Unreadable, is_compact_jws, read_artefact
from verifier.fetch import MappingFetcher
from verifier.jose import read_compact

CATALOGUE = load_catalogue()
PUBLIC_URL = "https://vouch.test"
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
REGISTERED_CLAIMS = ("iss", "jti", "sub", "nbf", "exp")
OB3_SVG_NS = "https://purl.imsglobal.org/ob/v3p0"


# -- baking helpers ---------------------------------------------------------------------------


def chunk(kind: bytes, body: bytes, *, crc: int | None = None) -> bytes:
    """One PNG chunk: length, type, body, CRC-32 over type and body."""
    crc = zlib.crc32(kind + body) if crc is None else crc
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def itxt(keyword: bytes, text: str, *, compressed: bool = False) -> bytes:
    """An iTXt body: keyword, NUL, flag, method, language, NUL, translated keyword, NUL, text."""
    data = zlib.compress(text.encode()) if compressed else text.encode()
    return keyword + b"\x00" + bytes([int(compressed), 0]) + b"\x00" + b"\x00" + data


def png(*extra: bytes) -> bytes:
    """A minimal valid 1×1 greyscale PNG with ``extra`` chunks before IEND."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x00")  # filter byte 0, one black pixel
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", idat)
        + b"".join(extra)
        + chunk(b"IEND", b"")
    )


def baked_png(token: str, keyword: bytes = b"openbadgecredential") -> bytes:
    return png(chunk(b"iTXt", itxt(keyword, token)))


def baked_svg(token: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB3_SVG_NS}" '
        'width="10" height="10" viewBox="0 0 10 10">\n'
        f'  <openbadges:credential verify="{token}"/>\n'
        '  <circle cx="5" cy="5" r="4"/>\n'
        "</svg>\n"
    ).encode()


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def world(issuer):
    """An issued credential and a verifier that reads the issuer's material in-process."""
    app = create_app(issuer=issuer)
    record = issuer.issue(meeting_bundle(CATALOGUE["foundation-mastery"])).credential
    assert record is not None
    _, payload = read_compact(record.jwt)
    return SimpleNamespace(
        issuer=issuer,
        app=app,
        record=record,
        jwt=record.jwt,
        uuid=record.id.removeprefix("urn:uuid:"),
        credential={k: v for k, v in payload.items() if k not in REGISTERED_CLAIMS},
        verifier=Verifier(WsgiFetcher(app, PUBLIC_URL), verifier_options(issuer.settings)),
    )


def assert_verified(result):
    assert result.state is State.VERIFIED, result.errors or result.checks
    assert all(c.status in (CheckStatus.PASS, CheckStatus.SKIP) for c in result.checks)


def decoding(result) -> str:
    check = result.check("decoding")
    assert check is not None
    return check.detail


# -- the token itself -------------------------------------------------------------------------


def test_read_artefact_recognises_a_compact_jwt(world):
    artefact = read_artefact(world.jwt)
    assert artefact.kind == "VC-JWT"
    assert artefact.token == world.jwt


def test_compact_jwt_string_verifies(world):
    result = world.verifier.verify(world.jwt)
    assert_verified(result)
    assert result.credential["id"] == world.record.id


def test_jwt_as_bytes_with_surrounding_whitespace_verifies(world):
    data = b"\n  " + world.jwt.encode() + b"\r\n\t\n"
    assert read_artefact(data).token == world.jwt
    assert_verified(world.verifier.verify(data))


# -- JSON forms -------------------------------------------------------------------------------


def test_unsecured_credential_json_is_not_verified(world):
    result = world.verifier.verify(json.dumps(world.credential))
    assert result.state is State.NOT_VERIFIED
    assert result.check("decoding").status is CheckStatus.PASS
    signature = result.check("signature")
    assert signature.status is CheckStatus.FAIL
    assert "no proof" in signature.detail


def test_enveloped_verifiable_credential_verifies(world):
    envelope = {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{world.jwt}",
    }
    artefact = read_artefact(json.dumps(envelope))
    assert artefact.kind == "enveloped VC-JWT"
    assert artefact.token == world.jwt
    result = world.verifier.verify(json.dumps(envelope))
    assert_verified(result)
    assert "enveloped VC-JWT" in decoding(result)


# -- baked PNG --------------------------------------------------------------------------------


def test_baked_png_is_a_valid_png(world):
    image = pytest.importorskip("PIL.Image")
    with image.open(io.BytesIO(baked_png(world.jwt))) as picture:
        picture.load()
        assert picture.size == (1, 1)


def test_baked_png_open_badges_3_verifies(world):
    result = world.verifier.verify(baked_png(world.jwt))
    assert_verified(result)
    assert "baked PNG (Open Badges 3.0)" in decoding(result)


def test_baked_png_with_open_badges_2_keyword_is_named_open_badges_2(world):
    result = world.verifier.verify(baked_png(world.jwt, keyword=b"openbadges"))
    assert result.check("decoding").status is CheckStatus.PASS
    assert "Open Badges 2.0" in decoding(result)
    assert "Open Badges 3.0" not in decoding(result)


def test_png_with_compressed_itxt_is_unreadable(world):
    data = png(chunk(b"iTXt", itxt(b"openbadgecredential", world.jwt, compressed=True)))
    result = world.verifier.verify(data)
    assert result.state is State.UNREADABLE
    assert "compressed" in decoding(result)
    assert result.credential is None


def test_png_with_bad_crc_is_unreadable(world):
    body = itxt(b"openbadgecredential", world.jwt)
    data = png(chunk(b"iTXt", body, crc=zlib.crc32(b"iTXt" + body) ^ 1))
    result = world.verifier.verify(data)
    assert result.state is State.UNREADABLE
    assert "CRC" in decoding(result)


@pytest.mark.parametrize(
    "cut",
    [
        pytest.param(lambda n: 8 + 5, id="inside-the-first-chunk-header"),
        pytest.param(lambda n: n // 2, id="inside-the-itxt-text"),
        pytest.param(lambda n: n - 8, id="inside-iend"),
        pytest.param(lambda n: n - 1, id="last-crc-byte-missing"),
    ],
)
def test_truncated_png_is_unreadable(world, cut):
    data = baked_png(world.jwt)
    result = world.verifier.verify(data[: cut(len(data))])
    assert result.state is State.UNREADABLE
    assert "truncated" in decoding(result)


def test_png_cut_before_iend_is_unreadable(world):
    data = baked_png(world.jwt)
    assert data.endswith(chunk(b"IEND", b""))
    result = world.verifier.verify(data[:-12])
    assert result.state is State.UNREADABLE
    assert "truncated" in decoding(result)


def test_unrelated_compressed_itxt_does_not_hide_the_badge(world):
    xmp = chunk(b"iTXt", itxt(b"XML:com.adobe.xmp", "<x:xmpmeta/>", compressed=True))
    badge = chunk(b"iTXt", itxt(b"openbadgecredential", world.jwt))
    result = world.verifier.verify(png(xmp, badge))
    assert_verified(result)
    assert "baked PNG (Open Badges 3.0)" in decoding(result)


def test_unrelated_uncompressed_itxt_before_the_badge_is_skipped(world):
    comment = chunk(b"iTXt", itxt(b"Comment", "made by a test"))
    badge = chunk(b"iTXt", itxt(b"openbadgecredential", world.jwt))
    assert_verified(world.verifier.verify(png(comment, badge)))


# -- baked SVG --------------------------------------------------------------------------------


def test_baked_svg_open_badges_3_verifies(world):
    result = world.verifier.verify(baked_svg(world.jwt))
    assert_verified(result)
    assert "baked SVG (Open Badges 3.0)" in decoding(result)


def test_svg_with_external_entity_is_unreadable_and_reads_nothing(world):
    data = (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB3_SVG_NS}">'
        '<openbadges:credential verify="&x;">&x;</openbadges:credential></svg>'
    ).encode()
    with pytest.raises(Unreadable, match="safely"):
        read_artefact(data)
    result = world.verifier.verify(data)
    assert result.state is State.UNREADABLE
    assert result.credential is None
    assert [c.check for c in result.checks] == ["decoding"]
    assert "root:" not in decoding(result)


def test_svg_with_entity_expansion_bomb_is_unreadable(world):
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    data = (
        f'<?xml version="1.0"?><!DOCTYPE svg [{laughs}]>'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB3_SVG_NS}">'
        "<openbadges:credential>&l9;</openbadges:credential></svg>"
    ).encode()
    result = world.verifier.verify(data)
    assert result.state is State.UNREADABLE
    assert result.credential is None


# -- verify URL -------------------------------------------------------------------------------


def test_verify_url_is_followed_in_process_and_verifies(world):
    url = f"{PUBLIC_URL}/v/{world.uuid}"
    assert read_artefact(url).url == url
    result = world.verifier.verify(url)
    assert_verified(result)
    assert result.check("verify link").status is CheckStatus.PASS
    assert result.credential["id"] == world.record.id


def test_verify_url_of_unknown_credential_is_not_verified(world):
    result = world.verifier.verify(f"{PUBLIC_URL}/v/{UNKNOWN_UUID}")
    assert result.state in (State.NOT_VERIFIED, State.UNKNOWN)
    assert result.credential is None
    assert decoding(result)


# -- unreadable input -------------------------------------------------------------------------

UNREADABLE = [
    pytest.param("this is not a credential", "not a JWT", id="garbage-text"),
    pytest.param(b"", "empty input", id="empty-bytes"),
    pytest.param(" \n\t ", "empty input", id="blank-text"),
    pytest.param(bytes(range(256)) * 4, "binary", id="binary-junk"),
    pytest.param(b"a" * (MAX_ARTEFACT_BYTES + 1), "limit", id="oversized"),
    pytest.param("[" * 100_000 + "]" * 100_000, "nested", id="deep-json-array"),
    pytest.param('{"a":' * 100_000 + "1" + "}" * 100_000, "nested", id="deep-json-object"),
    pytest.param('[{"@context": [], "type": "VerifiableCredential"}]', "JSON object", id="array"),
    pytest.param("aaa.bbb.c!c", "base64url", id="jwt-lookalike"),
    pytest.param(b"\x89PNG\r\n\x1a\n", "no IEND chunk", id="png-signature-only"),
]


@pytest.mark.parametrize(("data", "reason"), UNREADABLE)
def test_read_artefact_refuses_with_a_reason(data, reason):
    with pytest.raises(Unreadable, match=reason):
        read_artefact(data)


@pytest.mark.parametrize(("data", "reason"), UNREADABLE)
def test_unreadable_input_gives_state_unreadable_never_an_exception(data, reason):
    result = Verifier(MappingFetcher({})).verify(data)
    assert result.state is State.UNREADABLE
    assert [c.check for c in result.checks] == ["decoding"]
    assert result.check("decoding").status is CheckStatus.FAIL
    assert reason in result.check("decoding").detail
    assert result.credential is None


def reference_is_compact_jws(text: str) -> bool:
    """The recognition as first written: three base64url segments, the first two non-empty."""
    if text.count(".") != 2 or not text.isascii():
        return False
    header, payload, _ = text.split(".")
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    return bool(header and payload) and set(text) <= allowed


def outcome(data: str | bytes) -> tuple[str, ...]:
    try:
        found = read_artefact(data)
    except Unreadable as exc:
        return ("unreadable", str(exc))
    return (found.kind, repr(found.token), repr(found.url), repr(found.credential))


#: Dots, base64url, characters just outside it, whitespace (ASCII and not) and markup.
jws_like = st.text(alphabet="ab-_.=+/!é \n\u3000<%", max_size=12)


@settings(max_examples=500, deadline=None)
@given(text=jws_like)
@example(text=".a.b")
@example(text="a..b")
@example(text="a.b.")
@example(text="a.b.c.d")
@example(text="a.b")
@example(text="a.b.c!")
def test_compact_jws_recognition_is_the_reference_one(text):
    assert is_compact_jws(text) == reference_is_compact_jws(text)


@settings(max_examples=300, deadline=None)
@given(text=jws_like)
def test_text_and_its_utf8_bytes_read_alike(text):
    """Text takes a shortcut for tokens; bytes go the whole way: same artefact, same reason."""
    assert outcome(text) == outcome(text.encode())


@pytest.mark.parametrize(
    "text",
    [
        " eyJh.eyJi.c2ln\n",
        "\u3000eyJh.eyJi.c2ln",
        "eyJh.eyJi.",
        ".eyJi.c2ln",
        "eyJh..c2ln",
        "eyJh.eyJi.c2ln.",
        "a.b." + "c" * MAX_ARTEFACT_BYTES,
    ],
    ids=[
        "spaces", "ideographic-space", "no-signature", "no-header", "no-payload", "4-parts",
        "oversized",
    ],
)  # fmt: skip
def test_token_text_shortcut_answers_as_bytes_do(text):
    assert outcome(text) == outcome(text.encode())


# -- recipient --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        LEARNER["email"],
        LEARNER["email"].upper(),
        f"  {LEARNER['email'].title()} \n",
    ],
    ids=["as-issued", "upper-case", "mixed-case-with-spaces"],
)
def test_recipient_check_passes_for_the_learners_email(world, email):
    result = world.verifier.verify(world.jwt, recipient_email=email)
    assert result.check("recipient").status is CheckStatus.PASS
    assert_verified(result)


def test_recipient_check_fails_for_another_email(world):
    result = world.verifier.verify(world.jwt, recipient_email="eve@example.org")
    assert result.check("recipient").status is CheckStatus.FAIL
    assert result.state is State.NOT_VERIFIED


def test_no_email_means_no_recipient_check(world):
    result = world.verifier.verify(world.jwt)
    assert result.check("recipient") is None
