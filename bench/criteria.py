"""Criteria engine throughput: evaluation alone, and validation plus evaluation.

Evaluates N varied bundles (default 100,000) across all six milestones on one core and prints
bundles per second and peak memory. Rules are compiled once, before timing starts.

    python bench/criteria.py [--count N] [--seed S]
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rss import peak_rss_mib

from criteria import load_catalogue
from criteria.vocabulary import QUALITY_GRADES
from tests.criteria.bundles import meeting_bundle


def varied_bundles(catalogue, count: int, rng: random.Random) -> list[dict]:
    """Bundles from empty-ish to complete: random drops, grades, times and verdicts."""
    templates = [meeting_bundle(m) for m in catalogue]
    bundles = []
    for i in range(count):
        bundle = copy.deepcopy(templates[i % len(templates)])
        bundle["learner"]["id"] = f"learner-{i}"
        bundle["checklist"] = [c for c in bundle["checklist"] if rng.random() < 0.9]
        for quiz in bundle["quizzes"].values():
            for question in quiz:
                if rng.random() < 0.15:
                    quiz[question] = "a"
        for entry in bundle["exercises"] + bundle["challenges"]:
            entry["quality"] = rng.choice(QUALITY_GRADES[1:])
        for entry in bundle["challenges"]:
            entry["minutes"] += rng.choice((-10, 0, 1))
            entry["minutes"] = max(entry["minutes"], 0)
        for review in bundle["reviews"]:
            review["verdict"] = "pass" if rng.random() < 0.9 else "fail"
        bundles.append(bundle)
    return bundles


def timed(label: str, work, count: int) -> float:
    gc.collect()
    start = time.perf_counter()
    met = work()
    elapsed = time.perf_counter() - start
    rate = count / elapsed
    print(
        f"{label:<28} {count:>8} bundles  {elapsed:6.2f} s  {rate:>9,.0f} bundles/s  "
        f"{met:>6} met  peak RSS {peak_rss_mib():6.1f} MiB"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    catalogue = load_catalogue()
    print(f"python {sys.version.split()[0]}, {len(catalogue)} milestones compiled; "
          f"process RSS with the catalogue: {peak_rss_mib():.1f} MiB")  # fmt: skip
    bundles = varied_bundles(catalogue, args.count, random.Random(args.seed))
    texts = [json.dumps(b).encode() for b in bundles]
    parsed = [catalogue.parse(b) for b in bundles]
    print(f"{args.count:,} bundles prepared in memory; peak RSS now {peak_rss_mib():.1f} MiB")

    evaluate = catalogue.evaluate
    parse = catalogue.parse
    eval_rate = timed("evaluation", lambda: sum(evaluate(e).met for e in parsed), args.count)

    def judged(text: bytes) -> bool:
        """Validate and evaluate, down to the verdict's evidence digest (worked out lazily)."""
        verdict = evaluate(parse(text))
        return bool(verdict.evidence_digest) and verdict.met

    full_rate = timed("validation + evaluation", lambda: sum(map(judged, texts)), args.count)
    sample = texts[: min(10_000, args.count)]
    tracemalloc.start()
    for text in sample:
        judged(text)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"engine working memory: peak {peak / 1024:.0f} KiB allocated while validating and "
        f"evaluating {len(sample):,} bundles one after another"
    )
    print(f"goals: evaluation ≥ 20,000/s ({eval_rate / 20_000:.1f}×), "
          f"validation + evaluation ≥ 5,000/s ({full_rate / 5_000:.1f}×)")  # fmt: skip


if __name__ == "__main__":
    main()
