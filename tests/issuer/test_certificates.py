"""The PDF certificate: QR code, embedded credential, pyHanko signature, metadata, rendering.

One SQLite issuer per module issues the credentials; every distinct PDF is rendered once
(WeasyPrint is the slow part). Page text and the QR code are read with poppler and zbar, the
attachment with pypdf and the signature with pyHanko's own validator, so none of these checks
goes through the code under test.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import socket
import subprocess
import unicodedata
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from pypdf import PdfReader, PdfWriter
from pypdf.generic import BooleanObject

from criteria import load_catalogue
from issuer.app import create_app
from issuer.certificates import (
    BATCH,
    CERTIFICATE_DIR,
    AssetFetcher,
    CertificateRenderer,
)
from issuer.config import Settings
from issuer.db import Database
from issuer.forking import single_threaded
from issuer.keystore import KeyStore
from issuer.service import Issuer
from issuer.verification import verifier_options
from tests.criteria.bundles import meeting_bundle
from verifier import CheckStatus, State, Verifier, WsgiFetcher

CATALOGUE = load_catalogue()
PUBLIC_URL = "https://vouch.test"
ISSUER_NAME = "Vouch Test Issuer"
PASSPHRASE = "certificate-tests-passphrase"
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
PDF_CHECKS = ("PDF signature", "PDF signer", "PDF contents")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    '<img src="http://127.0.0.1:9/x">',
    '"; background: url(file:///etc/passwd); x:"',
    "url(file:///etc/passwd)",
    "<link rel=stylesheet href=file:///etc/passwd>",
]
#: name → the font family that must draw it (DejaVu has no CJK; Droid Sans Fallback has).
INTERNATIONAL_NAMES = {
    "Zoë Ñúñez-Ørsted": "DejaVu",
    "Мария Склодовская": "DejaVu",
    "محمد بن موسى الخوارزمي": "DejaVu",
    "李白": "Droid-Sans-Fallback",
    "宮崎駿": "Droid-Sans-Fallback",
}
LONG_NAME = ("Maximiliana Theodora Wilhelmina " * 4)[:119] + "Z"
#: How a certificate can be rendered: alone, in a batch in this process, in a pool of workers.
PATHS = ["single", "bulk", "pool"]


# -- helpers ------------------------------------------------------------------------------------


def build_issuer(root: Path, alg: str = "ES256") -> Issuer:
    """An issuer on its own SQLite file and key store, as tests/issuer/conftest.py builds one."""
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
    keys.init(settings.issuer_name, alg)
    issuer = Issuer(settings, Database(url), keys, CATALOGUE)
    issuer.db.upgrade()
    issuer.sync()
    return issuer


def issue(issuer: Issuer, name: str, milestone: str = "foundation-mastery"):
    """A new credential for a new learner called ``name``."""
    bundle = meeting_bundle(CATALOGUE[milestone])
    learner = f"learner-{uuid.uuid4().hex[:12]}"
    bundle["learner"] = {"id": learner, "name": name, "email": f"{learner}@example.org"}
    record = issuer.issue(bundle).credential
    assert record is not None
    return record


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (Debian: poppler-utils / zbar-tools)")
    return path


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(
        [require("pdftotext"), "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
    )
    return run.stdout.decode("utf-8")


def compact(text: str) -> str:
    """NFKC, no whitespace, no format characters (pdftotext wraps RTL runs in U+202B/U+202C)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


def attachment(pdf: bytes) -> bytes:
    files = PdfReader(io.BytesIO(pdf)).attachments
    assert list(files) == ["credential.jwt"]
    (data,) = files["credential.jwt"]
    return data


def catalog(pdf: bytes):
    return PdfReader(io.BytesIO(pdf)).trailer["/Root"]


def drawn_characters(pdf: bytes) -> dict[str, set[str]]:
    """Font name → the characters its ToUnicode map gives for real glyphs (not .notdef)."""
    fonts: dict[str, set[str]] = {}
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    for font in page["/Resources"]["/Font"].values():
        font = font.get_object()
        cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
        chars: set[str] = set()
        for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
            for glyph, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                if int(glyph, 16) != 0:
                    chars |= set(bytes.fromhex(text).decode("utf-16-be"))
        for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
            for low, high, first in re.findall(
                r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
            ):
                start = ord(bytes.fromhex(first).decode("utf-16-be"))
                for offset, glyph in enumerate(range(int(low, 16), int(high, 16) + 1)):
                    if glyph != 0:
                        chars.add(chr(start + offset))
        fonts[str(font["/BaseFont"])] = chars
    return fonts


def validate_with_pyhanko(pdf: bytes, issuer: Issuer):
    """pyHanko's verdict, trusting exactly the issuer's certificate."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = asn1_x509.Certificate.load(
        issuer.keys.certificate().public_bytes(serialization.Encoding.DER)
    )
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    (signature,) = reader.embedded_signatures
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    return signature, validate_pdf_signature(signature, context)


def statuses(result) -> dict[str, CheckStatus]:
    return {c.check: c.status for c in result.checks}


def assert_pdf_verified(result) -> None:
    assert result.state is State.VERIFIED, result.checks
    for name in PDF_CHECKS:
        assert statuses(result)[name] is CheckStatus.PASS, result.checks


# -- fixtures -----------------------------------------------------------------------------------


def certificate_pdfs(issuer: Issuer, records: list, path: str) -> list[bytes]:
    """The records' PDFs through one of the rendering paths.

    ``single``: ``certificate_pdf``, one certificate at a time. ``bulk``: ``certificates_many``,
    the records laid out as one document (every certificate after the first is a later page of
    it). ``pool``: ``certificates_many`` over two forked worker processes, one certificate per
    batch. The bulk paths fill the cache, so the routes serve the same files.
    """
    if path == "single":
        return [issuer.certificate_pdf(record) for record in records]
    datas = [issuer.certificate_data(record) for record in records]
    if path == "bulk":
        pairs = issuer.certificates.certificates_many(datas)
    else:
        if not single_threaded():
            pytest.skip("this process has threads: certificates_many would not fork")
        pairs = issuer.certificates.certificates_many(datas, processes=2, batch_size=1)
    pdfs = [pdf for _, pdf in pairs]
    assert len(pdfs) == len(records)
    return pdfs


@pytest.fixture(scope="module", params=PATHS)
def world(request, tmp_path_factory):
    """Two credentials of one issuer and their PDFs, rendered once per rendering path."""
    issuer = build_issuer(tmp_path_factory.mktemp("certificates"))
    app = create_app(issuer=issuer)
    first = issue(issuer, "Ada Lovelace")
    second = issue(issuer, "Grace Hopper")
    pdf, other_pdf = certificate_pdfs(issuer, [first, second], request.param)
    yield SimpleNamespace(
        issuer=issuer,
        app=app,
        client=app.test_client(),
        verifier=Verifier(WsgiFetcher(app, PUBLIC_URL), verifier_options(issuer.settings)),
        record=first,
        other=second,
        pdf=pdf,
        other_pdf=other_pdf,
        path=request.param,
    )
    issuer.db.dispose()


@pytest.fixture(scope="module")
def attacker(tmp_path_factory):
    """A renderer with someone else's key and a certificate claiming the issuer's name."""
    root = tmp_path_factory.mktemp("attacker")
    keys = KeyStore(root / "keys", "attacker-passphrase-0000")
    keys.init(ISSUER_NAME, "ES256")
    return CertificateRenderer(keys, root / "cache")


# -- QR code, attachment, our verifier ----------------------------------------------------------


def test_qr_code_decodes_to_the_verify_url(world, tmp_path):
    pdftoppm, zbarimg = require("pdftoppm"), require("zbarimg")
    (tmp_path / "certificate.pdf").write_bytes(world.pdf)
    subprocess.run(
        [pdftoppm, "-png", "-r", "150", "-singlefile", "certificate.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    decoded = subprocess.run(
        [zbarimg, "--raw", "-q", str(tmp_path / "page.png")], capture_output=True, check=True
    )
    assert decoded.stdout.decode().strip() == world.issuer.verify_url(world.record.id)
    assert world.issuer.verify_url(world.record.id) == (
        f"{PUBLIC_URL}/v/{world.record.id.removeprefix('urn:uuid:')}"
    )


def test_attachment_is_the_credential_jwt(world):
    assert attachment(world.pdf).decode("utf-8") == world.record.jwt


def test_the_verifier_verifies_the_pdf(world):
    assert_pdf_verified(world.verifier.verify(world.pdf))


def test_page_text_shows_the_learner_badge_and_credential_id(world, tmp_path):
    text = compact(pdf_text(world.pdf, tmp_path))
    for shown in ("Ada Lovelace", "Foundation Master", world.record.id, ISSUER_NAME):
        assert compact(shown) in text


# -- the signature, as pyHanko sees it ------------------------------------------------------------


def test_pyhanko_finds_the_signature_intact_valid_trusted_over_the_whole_file(world):
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    _, status = validate_with_pyhanko(world.pdf, world.issuer)
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.coverage is SignatureCoverageLevel.ENTIRE_FILE


def test_signer_certificate_names_the_issuer(world):
    signature, _ = validate_with_pyhanko(world.pdf, world.issuer)
    cert = x509.load_der_x509_certificate(signature.signer_cert.dump())
    (cn,) = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert cn.value == ISSUER_NAME == world.issuer.settings.issuer_name


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_certificates_are_signed_with_the_key_another_process_made_current(make_issuer):
    """A rotation by another process (here another key store on the same folder) reaches the
    renderer: new certificates are signed with the new current key, not the key it started with."""
    from cryptography.hazmat.primitives import serialization

    issuer = make_issuer()
    first = issuer.certificate_pdf(issue(issuer, "Ada Lovelace"))
    other = KeyStore(issuer.keys.path, issuer.settings.key_passphrase)
    rotated = other.rotate(issuer.settings.issuer_name)
    second = issuer.certificate_pdf(issue(issuer, "Grace Hopper"))

    def signing_key(pdf):
        signature, status = validate_with_pyhanko(pdf, issuer)
        assert status.intact
        cert = x509.load_der_x509_certificate(signature.signer_cert.dump())
        return cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    new = (
        other.certificate()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert issuer.keys.current().key_id == rotated.key_id
    assert signing_key(second) == new
    assert signing_key(first) != new


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "alg",
    ["RS256", "EdDSA"],
)
def test_certificates_signed_with_other_key_algorithms_validate(make_issuer, alg):
    issuer = make_issuer(alg=alg)
    assert issuer.keys.current().alg == alg
    record = issue(issuer, "Ada Lovelace")
    pdf = issuer.certificate_pdf(record)
    _, status = validate_with_pyhanko(pdf, issuer)
    assert status.intact
    assert status.valid
    assert status.trusted
    verifier = Verifier(
        WsgiFetcher(create_app(issuer=issuer), PUBLIC_URL), verifier_options(issuer.settings)
    )
    assert_pdf_verified(verifier.verify(pdf))


# -- tampering ------------------------------------------------------------------------------------


def flip_metadata_byte(pdf: bytes) -> bytes:
    """One character of the signed /Keywords string changed, the length kept."""
    start = pdf.index(b"/Keywords (")
    position = pdf.index(b"uuid", start)
    assert position < pdf.index(b"/Contents <")  # inside the signed range, not the signature
    return pdf[:position] + b"v" + pdf[position + 1 :]


def test_one_changed_byte_fails_the_pdf_signature(world):
    tampered = flip_metadata_byte(world.pdf)
    assert len(tampered) == len(world.pdf)
    result = world.verifier.verify(tampered)
    assert result.state is State.NOT_VERIFIED
    assert statuses(result)["PDF signature"] is CheckStatus.FAIL


def test_pyhanko_finds_one_changed_byte_not_intact(world):
    _, status = validate_with_pyhanko(flip_metadata_byte(world.pdf), world.issuer)
    assert not status.intact  # the document digest no longer matches
    assert not status.bottom_line


def swap_attachment(pdf: bytes, token: str, *, incremental: bool) -> bytes:
    """The PDF with credential.jwt replaced by ``token`` (rewritten, or appended as an update)."""
    if incremental:
        writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    else:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for embedded in list(writer.attachment_list):
        embedded.delete()
    writer.add_attachment("credential.jwt", token)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("incremental", [False, True], ids=["rewritten", "incremental-update"])
def test_a_swapped_attachment_is_not_verified(world, incremental):
    swapped = swap_attachment(world.pdf, world.other.jwt, incremental=incremental)
    assert attachment(swapped).decode() == world.other.jwt
    if incremental:
        assert swapped.startswith(world.pdf)
    result = world.verifier.verify(swapped)
    assert result.state is State.NOT_VERIFIED
    assert statuses(result)["PDF signature"] is CheckStatus.FAIL
    assert statuses(result)["PDF contents"] is CheckStatus.FAIL  # the page shows another id


def test_genuine_credential_in_a_pdf_not_signed_by_the_issuer_is_not_verified(world, attacker):
    data = world.issuer.certificate_data(world.other)
    forged = attacker.render(data)
    assert attachment(forged).decode() == world.other.jwt  # a genuine credential
    result = world.verifier.verify(forged)
    assert result.state is State.NOT_VERIFIED
    assert statuses(result)["PDF signature"] is CheckStatus.PASS  # intact, but whose?
    assert statuses(result)["PDF signer"] is CheckStatus.FAIL


def test_another_credential_attached_and_signed_by_someone_else_is_not_verified(world, attacker):
    page = world.issuer.certificate_data(world.record)
    forged = attacker.render(dataclasses.replace(page, jwt=world.other.jwt))
    result = world.verifier.verify(forged)
    assert result.state is State.NOT_VERIFIED
    assert statuses(result)["PDF signer"] is CheckStatus.FAIL
    assert statuses(result)["PDF contents"] is CheckStatus.FAIL


def test_an_unsigned_certificate_is_not_verified(world, attacker, monkeypatch):
    monkeypatch.setattr(attacker, "sign", lambda pdf: pdf)
    unsigned = attacker.render(world.issuer.certificate_data(world.other))
    result = world.verifier.verify(unsigned)
    assert result.state is State.NOT_VERIFIED
    assert statuses(result)["PDF signature"] is CheckStatus.FAIL


# -- metadata and accessibility -------------------------------------------------------------------


def test_metadata_carries_the_credential_id_and_a_title(world):
    metadata = PdfReader(io.BytesIO(world.pdf)).metadata
    assert metadata["/Keywords"] == world.record.id
    assert metadata["/vouchcredentialid"] == world.record.id
    assert metadata.title == "Foundation Master: certificate for Ada Lovelace"


def test_document_language_is_english(world):
    assert catalog(world.pdf)["/Lang"] == "en"


def test_pdf_is_tagged(world):
    root = catalog(world.pdf)
    assert root["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert "/StructTreeRoot" in root


# -- hostile, international and long names -------------------------------------------------------


@pytest.fixture
def fetches(monkeypatch):
    """Every URL WeasyPrint asks for, and every socket connection attempted, while rendering."""
    seen: list[str] = []
    original = AssetFetcher.__call__

    def record(self, url, *args, **kwargs):
        seen.append(url)
        return original(self, url, *args, **kwargs)

    def no_network(self, address, *args, **kwargs):
        seen.append(f"socket:{address}")
        raise OSError("no network while rendering a certificate")

    monkeypatch.setattr(AssetFetcher, "__call__", record)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    return seen


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_name_is_printed_literally_and_fetches_nothing(world, fetches, name, tmp_path):
    record = issue(world.issuer, name)
    pdf = world.issuer.certificate_pdf(record)
    assert compact(name) in compact(pdf_text(pdf, tmp_path))
    root = CERTIFICATE_DIR.resolve()
    outside = [
        url
        for url in fetches
        if not (
            url.startswith("file://")
            and Path(url.removeprefix("file://")).resolve().is_relative_to(root)
        )
    ]
    assert outside == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        f"file://{CERTIFICATE_DIR}/../badge/badge.svg",
        "http://127.0.0.1:9/x",
        "https://example.org/style.css",
        "data:text/css,body{}",
    ],
)
def test_asset_fetcher_refuses_anything_outside_the_template_folder(url):
    from weasyprint.urls import FatalURLFetchingError

    with pytest.raises(FatalURLFetchingError):
        AssetFetcher(CERTIFICATE_DIR)(url)


def test_asset_fetcher_serves_the_template_folder():
    response = AssetFetcher(CERTIFICATE_DIR)(f"file://{CERTIFICATE_DIR / 'certificate.css'}")
    assert response.read() == (CERTIFICATE_DIR / "certificate.css").read_bytes()


@pytest.fixture(scope="module")
def international(world):
    """One certificate per international name, rendered once through the world's path (in
    bulk: every script in one batch, so each page must get its own fonts)."""
    records = [issue(world.issuer, name) for name in INTERNATIONAL_NAMES]
    pdfs = certificate_pdfs(world.issuer, records, world.path)
    return dict(zip(INTERNATIONAL_NAMES, pdfs, strict=True))


@pytest.mark.parametrize("name", list(INTERNATIONAL_NAMES))
def test_international_name_is_in_the_page_text(international, name, tmp_path):
    text = compact(pdf_text(international[name], tmp_path))
    words = name.split()
    # pdftotext gives Arabic in logical order (poppler 22+); accept the words in visual order
    # too (as ``pdftotext -raw`` prints them), and a fully reversed run, so that a poppler
    # that lays RTL runs out visually still reads as the same letters in the same words.
    forms = {compact(name), compact("".join(reversed(words))), compact(name)[::-1]}
    assert any(form in text for form in forms), (name, text)


@pytest.mark.parametrize("name", list(INTERNATIONAL_NAMES))
def test_international_name_is_drawn_with_a_font_covering_its_script(international, name):
    family = INTERNATIONAL_NAMES[name]
    letters = set(compact(name)) - {"-"}
    fonts = drawn_characters(international[name])
    covering = {font: chars for font, chars in fonts.items() if family in font}
    assert covering, sorted(fonts)
    assert letters <= set().union(*covering.values()), (name, sorted(fonts))


def test_long_name_fits_on_one_page(world, tmp_path):
    assert len(LONG_NAME) == 120
    pdf = world.issuer.certificate_pdf(issue(world.issuer, LONG_NAME))
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert compact(LONG_NAME) in compact(pdf_text(pdf, tmp_path))


# -- the cache ------------------------------------------------------------------------------------


@pytest.fixture
def renders(monkeypatch):
    """How many times CertificateRenderer.render ran."""
    calls: list[str] = []
    original = CertificateRenderer.render

    def counting(self, data):
        calls.append(data.credential_id)
        return original(self, data)

    monkeypatch.setattr(CertificateRenderer, "render", counting)
    return calls


def test_certificate_is_rendered_once_then_served_from_the_cache(world, renders):
    record = issue(world.issuer, "Cache Once")
    first = world.issuer.certificate_pdf(record)
    second = world.issuer.certificate_pdf(record)
    assert first == second
    assert renders == [record.id]


def test_different_credentials_give_different_files(world):
    assert world.pdf != world.other_pdf
    assert attachment(world.pdf) != attachment(world.other_pdf)


def test_a_changed_template_digest_renders_again(world, renders, monkeypatch):
    record = issue(world.issuer, "Cache Twice")
    world.issuer.certificate_pdf(record)
    world.issuer.certificate_pdf(record)
    assert renders == [record.id]
    monkeypatch.setattr(world.issuer.certificates, "template_digest", "0" * 64)
    world.issuer.certificate_pdf(record)
    assert renders == [record.id, record.id]


# -- HTTP -----------------------------------------------------------------------------------------


def test_certificate_route_serves_the_pdf(world):
    uuid_ = world.record.id.removeprefix("urn:uuid:")
    response = world.client.get(f"/api/v1/credentials/{uuid_}/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert response.data == world.pdf


def test_certificate_route_answers_404_json_for_an_unknown_credential(world):
    response = world.client.get(f"/api/v1/credentials/{UNKNOWN_UUID}/certificate.pdf")
    assert response.status_code == 404
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == "not_found"
    assert error["message"]


# -- CLI ------------------------------------------------------------------------------------------


def test_cli_certificate_writes_the_pdf(cli):
    output = cli.root / "certificate.pdf"
    result = cli.vouch("certificate", cli.credential_id, "-o", str(output))
    assert result.exit_code == 0, result.output
    pdf = output.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert attachment(pdf).decode() == cli.jwt


def test_cli_certificate_of_an_unknown_credential_exits_1(cli):
    output = cli.root / "unknown.pdf"
    result = cli.vouch("certificate", UNKNOWN_UUID, "-o", str(output))
    assert result.exit_code == 1
    assert not output.exists()


# -- the bulk path --------------------------------------------------------------------------------


def page_texts(pdfs: list[bytes], tmp_path: Path) -> list[str]:
    return [compact(pdf_text(pdf, tmp_path)) for pdf in pdfs]


def test_a_batch_gives_one_standalone_page_per_certificate(world, tmp_path):
    names = ["Batch First", LONG_NAME, "李白", "محمد بن موسى الخوارزمي", "Batch Last"]
    records = [issue(world.issuer, name) for name in names]
    datas = [world.issuer.certificate_data(record) for record in records]
    pdfs = world.issuer.certificates.render_many(datas)
    assert len(pdfs) == len(names)
    texts = page_texts(pdfs, tmp_path)
    for index, (record, pdf, text) in enumerate(zip(records, pdfs, texts, strict=True)):
        assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
        assert attachment(pdf).decode() == record.jwt
        assert PdfReader(io.BytesIO(pdf)).metadata["/vouchcredentialid"] == record.id
        assert compact(record.id) in text
        others = [r.id for n, r in enumerate(records) if n != index]
        assert not any(compact(other) in text for other in others)  # no other page leaked in
        _, status = validate_with_pyhanko(pdf, world.issuer)
        assert status.bottom_line


def test_render_many_in_batches_of_one_matches_one_batch(world, tmp_path):
    datas = [world.issuer.certificate_data(r) for r in (world.record, world.other)]
    renderer = world.issuer.certificates
    together = renderer.render_many(datas)
    apart = renderer.render_many(datas, batch_size=1)
    assert page_texts(together, tmp_path) == page_texts(apart, tmp_path)
    for one, other in zip(together, apart, strict=True):
        assert PdfReader(io.BytesIO(one)).metadata == PdfReader(io.BytesIO(other)).metadata


@pytest.fixture
def batches(monkeypatch):
    """The credential ids of every batch CertificateRenderer.render_many rendered."""
    calls: list[list[str]] = []
    original = CertificateRenderer.render_many

    def counting(self, datas, batch_size=BATCH):
        calls.append([data.credential_id for data in datas])
        return original(self, datas, batch_size)

    monkeypatch.setattr(CertificateRenderer, "render_many", counting)
    return calls


def test_certificates_many_renders_only_the_misses_and_keeps_the_order(world, batches):
    cached = [issue(world.issuer, f"Cached {n}") for n in range(2)]
    fresh = [issue(world.issuer, f"Fresh {n}") for n in range(2)]
    for record in cached:
        world.issuer.certificate_pdf(record)
    batches.clear()
    order = [fresh[0], cached[0], fresh[1], cached[1]]
    datas = [world.issuer.certificate_data(record) for record in order]
    out = list(world.issuer.certificates.certificates_many(datas))
    assert [data.credential_id for data, _ in out] == [record.id for record in order]
    assert batches == [[fresh[0].id, fresh[1].id]]
    for record, (_, pdf) in zip(order, out, strict=True):
        assert attachment(pdf).decode() == record.jwt
        assert world.issuer.certificate_pdf(record) == pdf  # stored: now served from the cache
    assert batches == [[fresh[0].id, fresh[1].id]]
    again = list(world.issuer.certificates.certificates_many(datas))
    assert batches == [[fresh[0].id, fresh[1].id]]  # nothing rendered the second time
    assert [pdf for _, pdf in again] == [pdf for _, pdf in out]


def test_certificates_many_with_nothing_to_do():
    renderer = CertificateRenderer(SimpleNamespace(), Path("/nonexistent"))
    assert list(renderer.certificates_many([], processes=2)) == []


# -- the signature container ----------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["ES256", "RS256", "EdDSA"])
def test_template_containers_are_the_ones_pyhanko_builds(tmp_path, alg):
    """Spliced containers equal pyHanko's own (byte for byte where the signature is
    deterministic, RSA PKCS#1 v1.5 and Ed25519; ECDSA up to its random signature value)."""
    import asyncio
    import hashlib

    from asn1crypto import cms
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    keys = KeyStore(tmp_path / "keys", PASSPHRASE)
    keys.init(ISSUER_NAME, alg)
    signer = CertificateRenderer(keys, tmp_path / "cache").signer
    md = "sha512" if alg == "EdDSA" else "sha256"
    assert signer.container_size(md)
    for n in range(3):
        digest = hashlib.new(md, f"document {n}".encode()).digest()
        args = (digest, md)
        kwargs = {"use_pades": True, "signed_attr_settings": PdfCMSSignedAttributes()}
        ours = asyncio.run(signer.async_sign(*args, **kwargs)).dump()
        theirs = asyncio.run(SimpleSigner.async_sign(signer, *args, **kwargs)).dump()
        if alg == "ES256":
            mine, reference = cms.ContentInfo.load(ours), cms.ContentInfo.load(theirs)
            for container in (mine, reference):
                container["content"]["signer_infos"][0]["signature"] = b""
            assert mine.dump(force=True) == reference.dump(force=True)
        else:
            assert ours == theirs


def test_anything_but_a_plain_pades_container_is_left_to_pyhanko(tmp_path):
    """A signing time (non-PAdES) changes per signature: pyHanko builds that container."""
    import asyncio
    import datetime as dt
    import hashlib

    from asn1crypto import cms
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    keys = KeyStore(tmp_path / "keys", PASSPHRASE)
    keys.init(ISSUER_NAME, "ES256")
    signer = CertificateRenderer(keys, tmp_path / "cache").signer
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    built = asyncio.run(
        signer.async_sign(
            hashlib.sha256(b"x").digest(),
            "sha256",
            signed_attr_settings=PdfCMSSignedAttributes(signing_time=when),
        )
    )
    attrs = cms.ContentInfo.load(built.dump())["content"]["signer_infos"][0]["signed_attrs"]
    times = [a["values"][0].native for a in attrs if a["type"].native == "signing_time"]
    assert times == [when]


# -- CLI: vouch certificates ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def bulk_cli(tmp_path_factory):
    """A fresh instance with three foundation-mastery credentials, the second one revoked."""
    import json

    from tests.issuer.conftest import initialised_vouch

    root = tmp_path_factory.mktemp("bulk-cli")
    vouch = initialised_vouch(root, "bulk-cli-passphrase-1d4e")
    example = json.loads((EXAMPLES / "foundation-mastery.json").read_text())
    ids = []
    for n in range(3):
        bundle = example | {
            "learner": {"id": f"bulk-{n}", "name": f"Bulk {n}", "email": f"bulk{n}@example.org"}
        }
        path = root / f"bundle-{n}.json"
        path.write_text(json.dumps(bundle))
        issued = vouch("issue", str(path), "--json")
        assert issued.exit_code == 0, issued.output
        ids.append(json.loads(issued.output)["id"])
    assert vouch("revoke", ids[1], "--reason", "test").exit_code == 0
    return SimpleNamespace(vouch=vouch, root=root, live=[ids[0], ids[2]], revoked=ids[1])


def written(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()}


def pdf_name(credential_id: str) -> str:
    return f"{credential_id.removeprefix('urn:uuid:')}.pdf"


@pytest.mark.parametrize("selection", [["--all"], ["--milestone", "foundation-mastery"]])
def test_cli_certificates_writes_every_live_credential(bulk_cli, selection, tmp_path):
    folder = tmp_path / "out" / "certificates"  # created, parents too
    result = bulk_cli.vouch("certificates", *selection, "-o", str(folder))
    assert result.exit_code == 0, result.output
    assert "wrote 2 certificates" in result.output
    assert written(folder) == {pdf_name(i) for i in bulk_cli.live}  # not the revoked one
    for credential_id in bulk_cli.live:
        pdf = (folder / pdf_name(credential_id)).read_bytes()
        assert PdfReader(io.BytesIO(pdf)).metadata["/vouchcredentialid"] == credential_id
        assert attachment(pdf).decode().count(".") == 2  # a JWT


def test_cli_certificates_again_rewrites_the_same_files_from_the_cache(bulk_cli, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    assert bulk_cli.vouch("certificates", "--all", "-o", str(first)).exit_code == 0
    assert bulk_cli.vouch("certificates", "--all", "-j", "2", "-o", str(second)).exit_code == 0
    for name in written(first):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_cli_certificates_of_a_milestone_without_credentials_writes_none(bulk_cli, tmp_path):
    result = bulk_cli.vouch(
        "certificates", "--milestone", "implementation-proficiency", "-o", str(tmp_path / "o")
    )
    assert result.exit_code == 0, result.output
    assert "wrote 0 certificates" in result.output
    assert written(tmp_path / "o") == set()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "choose the credentials"),
        (["--all", "--milestone", "foundation-mastery"], "choose the credentials"),
        (["--milestone", "no-such-milestone"], "no milestone 'no-such-milestone'"),
        (["--all", "-j", "0"], "-j"),
    ],
    ids=["no-selection", "both", "unknown-milestone", "zero-jobs"],
)
def test_cli_certificates_bad_selection_exits_2(bulk_cli, tmp_path, args, message):
    folder = tmp_path / "out"
    result = bulk_cli.vouch("certificates", *args, "-o", str(folder))
    assert result.exit_code == 2
    assert message in result.output
    assert not folder.exists()


def test_cli_certificates_into_a_file_exits_1(bulk_cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = bulk_cli.vouch("certificates", "--all", "-o", str(blocker / "sub"))
    assert result.exit_code == 1
    assert "cannot create" in result.output


@pytest.fixture
def uncached_small_batches(bulk_cli, monkeypatch):
    """No cached certificates, and batches of one: two credentials make the CLI fork two."""
    import issuer.certificates

    shutil.rmtree(bulk_cli.root / "instance" / "certificates", ignore_errors=True)
    monkeypatch.setattr(issuer.certificates, "BATCH", 1)
    if not single_threaded():
        pytest.skip("this process has threads: certificates_many would not fork")


def test_cli_certificates_in_worker_processes(bulk_cli, uncached_small_batches, tmp_path):
    result = bulk_cli.vouch("certificates", "--all", "-j", "2", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "rendering in up to 2 processes" in result.output
    assert written(tmp_path) == {pdf_name(i) for i in bulk_cli.live}


def die(*args) -> None:
    """A worker's rendering that kills the worker (module level: the pool pickles it by name)."""
    import os

    os._exit(3)


def test_cli_certificates_exits_1_when_a_worker_dies(
    bulk_cli, uncached_small_batches, monkeypatch, tmp_path
):
    import issuer.certificates

    monkeypatch.setattr(issuer.certificates, "_render_in_worker", die)
    result = bulk_cli.vouch("certificates", "--all", "-j", "2", "-o", str(tmp_path))
    assert result.exit_code == 1
    assert "worker process died" in result.output
