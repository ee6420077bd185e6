"""Hostile PDFs: each is unreadable input (422 from the API, exit 2 from ``vouch verify``), never a
crash, and none may take the memory or time it asks for. Built by hand, a few KB each."""

from __future__ import annotations

import io
import tracemalloc
import zlib

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from verifier.app import create_app
from verifier.fetch import MappingFetcher
from verifier.pdf import DECODE_LIMITS, MAX_DECODED_BYTES, MAX_STREAM_BYTES
from verifier.result import CheckStatus, State
from verifier.verify import Verifier

MIB = 1024 * 1024


def pdf(objects: list[bytes], *, size: int | None = None) -> bytes:
    """A PDF of ``objects`` (object 1 the catalog) with a classic cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    declared = size if size is not None else len(objects) + 1
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (declared, xref)
    return bytes(out)


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


#: A token the verifier reads as a JWT (its signature fails later): the PDF itself is readable.
TOKEN = b"eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"


def catalog(extra: bytes = b"") -> bytes:
    return b"<< /Type /Catalog /Pages 2 0 R " + extra + b" >>"


def with_attachment(
    data: bytes = TOKEN,
    filters: bytes = b"",
    *,
    pages: bytes = PAGES,
    page: bytes = PAGE,
    extra: tuple[bytes, ...] = (),
    size: int | None = None,
) -> bytes:
    """A PDF whose credential.jwt attachment is the stream ``data`` (encoded by ``filters``),
    objects ``extra`` after it (numbered from 6)."""
    names = b"/Names << /EmbeddedFiles << /Names [(credential.jwt) 4 0 R] >> >>"
    spec = b"<< /Type /Filespec /F (credential.jwt) /EF << /F 5 0 R >> >>"
    attachment = stream(b"/Type /EmbeddedFile " + filters, data)
    return pdf([catalog(names), pages, page, spec, attachment, *extra], size=size)


def deflate_bomb(mebibytes: int) -> bytes:
    """zlib data inflating to ``mebibytes`` MiB of zeros, about a thousandth of that in size:
    one independently decodable block of 1 MiB of zeros (a full flush resets the window),
    repeated, then the final block and the checksum (the Adler-32 of n zeros is n << 16 | 1)."""
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = raw.compress(bytes(MIB)) + raw.flush(zlib.Z_FULL_FLUSH)
    final = raw.flush(zlib.Z_FINISH)
    adler = ((mebibytes * MIB) % 65521) << 16 | 1
    return b"\x78\xda" + block * mebibytes + final + adler.to_bytes(4, "big")


HOSTILE = {
    # 2 KB: a thousand nested arrays (pyHanko's parser recursed once per level: RecursionError)
    "nested arrays": pdf([catalog(b"/Names " + b"[" * 1000 + b"]" * 1000), PAGES, PAGE]),
    "nested dictionaries": pdf(
        [catalog(b"/Names " + b"<< /A " * 1000 + b"1" + b" >>" * 1000), PAGES, PAGE]
    ),
    "nested arrays in the attachment's dictionary": with_attachment(
        b"x", b"/Params " + b"[" * 5000 + b"]" * 5000
    ),
    # an attachment that inflates to 1 GiB from 1 MB
    "deflate bomb attachment": with_attachment(deflate_bomb(1024), b"/Filter /FlateDecode"),
    # the same bomb under another layer of Deflate (each layer multiplies)
    "stacked deflate bomb": with_attachment(
        zlib.compress(deflate_bomb(1024), 9), b"/Filter [/FlateDecode /FlateDecode]"
    ),
}
#: Hostile claims a reader must not believe (allocating for them, or looping): such a PDF is
#: read as far as it goes, and its credential is not verified.
NOT_BELIEVED = {
    "an object stream claiming a billion objects": with_attachment(
        extra=(stream(b"/Type /ObjStm /N 1000000000 /First 10", zlib.compress(b"1 0 " * 10)),),
    ),
    "a cross-reference table claiming a billion objects": with_attachment(size=1_000_000_000),
}
HOSTILE["a page tree that contains itself"] = with_attachment(
    pages=b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>"
)
NOT_BELIEVED |= {
    "a page whose content nests a thousand arrays": with_attachment(
        extra=(stream(b"", b"[" * 1000 + b"]" * 1000 + b" Tj"),),
        page=b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 6 0 R >>",
    ),
}


@pytest.fixture(scope="module")
def verifier():
    """A verifier whose PDF readers are imported already (imports would count as memory)."""
    verifier = Verifier(MappingFetcher({}))
    verifier.verify(with_attachment(b"a.b.c"))
    return verifier


def peak_allocation(verifier, data: bytes):
    """The verification's result and the peak of Python's allocations during it."""
    tracemalloc.start()
    try:
        result = verifier.verify(data)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_pdf_is_unreadable_not_a_crash(verifier, name):
    result = verifier.verify(HOSTILE[name])
    assert result.state is State.UNREADABLE, result.checks
    assert result.checks[0].check == "decoding"


@pytest.mark.parametrize("name", NOT_BELIEVED)
def test_a_pdf_with_hostile_claims_is_read_without_believing_them(verifier, name):
    result = verifier.verify(NOT_BELIEVED[name])
    assert result.state is State.NOT_VERIFIED, result.checks
    assert result.checks[0].status is CheckStatus.PASS  # decoding: it is a readable PDF


def upload(client, data: bytes):
    """POST ``data`` as a multipart file (encoded here in memory: the test client would spool
    a body over 500 KB to a temporary file it never closes)."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "certificate.pdf")})
    return client.post(
        "/api/v1/verify", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


@pytest.mark.parametrize("name", HOSTILE)
def test_the_api_answers_a_hostile_pdf_with_422(name):
    response = upload(create_app(fetcher=MappingFetcher({})).test_client(), HOSTILE[name])
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "unreadable_input"


def test_the_bomb_is_what_it_claims():
    assert len(zlib.decompress(deflate_bomb(64))) == 64 * MIB
    assert len(deflate_bomb(1024)) < 1.1 * MIB


@pytest.mark.parametrize("inflated", [64, 1024])
def test_a_deflate_bomb_is_refused_within_the_decode_bounds(verifier, inflated):
    """A 64 MiB bomb was inflated whole (pyHanko's own cap is 256 MiB per stream); now no
    stream is decoded beyond MAX_STREAM_BYTES. Measured as the peak of Python's allocations."""
    bomb = with_attachment(deflate_bomb(inflated), b"/Filter /FlateDecode")
    result, peak = peak_allocation(verifier, bomb)
    assert result.state is State.UNREADABLE
    # the bound, and a few copies of the file itself (the upload, the parser's buffers)
    assert result.checks[0].detail == DECODE_LIMITS
    # the bound (zlib's buffer doubles once), a few copies of the file (upload, parser buffers)
    assert peak < 2 * MAX_STREAM_BYTES + 6 * len(bomb) + 2 * MIB, f"{peak / MIB:.0f} MiB"


def test_the_decoded_bytes_of_all_streams_together_are_bounded(verifier):
    """Many streams each under the per-stream bound, together beyond the document's budget."""
    count = MAX_DECODED_BYTES // MAX_STREAM_BYTES + 2
    streams = [stream(b"/Filter /FlateDecode", deflate_bomb(1)) for _ in range(count)]
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(count))
    contents = b"/Contents [" + kids + b"]"
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] " + contents + b" >>"
    names = b"/Names << /EmbeddedFiles << /Names [(credential.jwt) %d 0 R] >> >>" % (4 + count)
    spec = b"<< /Type /Filespec /F (credential.jwt) /EF << /F %d 0 R >> >>" % (5 + count)
    attachment = stream(b"/Type /EmbeddedFile", b"a.b.c")
    document = pdf([catalog(names), PAGES, page, *streams, spec, attachment])
    result, peak = peak_allocation(verifier, document)
    assert result.state is State.UNREADABLE
    assert result.checks[0].detail == DECODE_LIMITS
    assert peak < MAX_DECODED_BYTES + 6 * len(document) + 2 * MIB, f"{peak / MIB:.0f} MiB"


@pytest.mark.parametrize("name", ["nested arrays", "deflate bomb attachment"])
def test_vouch_verify_exits_2_for_a_hostile_pdf(tmp_path, name):
    from click.testing import CliRunner

    from issuer.cli import main

    path = tmp_path / "certificate.pdf"
    path.write_bytes(HOSTILE[name])
    env = {"VOUCH_ENV": None, "VOUCH_TRUSTED_ISSUERS": None, "VOUCH_TRUST_LISTS": None}
    result = CliRunner().invoke(main, ["verify", str(path)], env=env)
    assert result.exit_code == 2, result.output
    assert "UNREADABLE" in result.output
