"""Signed PDF certificates per second: the prepared renderer (shared fonts, parsed stylesheet,
signer built once) against the naive path (a fresh renderer and signer per document), and the
cost of each stage.

    python bench/certificates.py [--count N]
"""

from __future__ import annotations

import argparse
import time

from common import learner_bundles, rate, throwaway_issuer

from issuer.certificates import CertificateRenderer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    with throwaway_issuer() as issuer:
        records = [issuer.issue(b).credential for b in learner_bundles(args.count)]
        data = [issuer.certificate_data(r) for r in records]
        renderer = issuer.certificates
        renderer.render(data[0])  # warm: fonts, stylesheet, signer

        prepared = rate(lambda: [renderer.render(d) for d in data], len(data))

        def naive() -> None:
            for d in data:
                CertificateRenderer(issuer.keys, renderer.cache_dir).render(d)

        fresh = rate(naive, len(data))
        for d in data:
            renderer.certificate(d)  # fill the cache
        cached = rate(lambda: [renderer.certificate(d) for d in data], len(data))

        # where the time goes, for one certificate
        from weasyprint import HTML

        fetcher, fonts, css = renderer._weasy
        stages: dict[str, float] = {}
        start = time.perf_counter()
        html = renderer.html(data[0])
        stages["template + QR code"] = time.perf_counter() - start
        start = time.perf_counter()
        document = HTML(string=html, base_url=".", url_fetcher=fetcher).render(
            stylesheets=[css], font_config=fonts
        )
        stages["layout"] = time.perf_counter() - start
        start = time.perf_counter()
        pdf = document.write_pdf(pdf_variant="pdf/ua-1", custom_metadata=True)
        stages["PDF writing + font subsetting"] = time.perf_counter() - start
        start = time.perf_counter()
        renderer.sign(pdf)
        stages["PAdES signing"] = time.perf_counter() - start

    print(f"prepared renderer: {prepared:.1f} signed PDFs/s ({1000 / prepared:.0f} ms each)")
    print(
        f"naive path:        {fresh:.1f} signed PDFs/s ({1000 / fresh:.0f} ms each); "
        f"prepared is {prepared / fresh:.1f}x"
    )
    print(f"from the cache:    {cached:,.0f} PDFs/s")
    print("one certificate: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in stages.items()))


if __name__ == "__main__":
    main()
