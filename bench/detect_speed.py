"""Benchmark ``borderwatch.detect.detect`` on one core.

    python bench/detect_speed.py ARTICLES.jsonl [--concat N] [--repeat N] [--min-chars N] [--mix [HTML_DIR]]

ARTICLES.jsonl holds one JSON object per line with "text" (and optionally "title", "language",
"published"), e.g. ``../shared/eval/dev.jsonl`` (all region news: the worst case, every sentence has work).
``--concat 3`` joins consecutive texts to typical article length (~4k chars).

``--mix`` also measures a typical news mix: most real articles have nothing to do with the region. It extracts
the texts of the ``*.html.gz`` pages in HTML_DIR (default ``../shared/bench/aeb/html``) with trafilatura at run
time and interleaves them with the articles of ARTICLES.jsonl. No texts are stored in the repository.

The headline is CPU time (``time.process_time``: articles per CPU-second, median of the passes, and the best
pass), so that other load on the machine does not distort it; wall-clock rate is printed beside it. The gazetteer
is loaded (and every article run once) before timing starts.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

DEFAULT_HTML = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "aeb" / "html"


def _load(path: str, concat: int, min_chars: int) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        items = [json.loads(line) for line in f if line.strip()]
    if concat > 1:
        items = [{"text": "\n\n".join(i.get("text") or "" for i in items[k:k + concat])}
                 for k in range(0, len(items), concat)]
    return [i for i in items if len(i.get("text") or "") >= min_chars]


def _extract(html_dir: Path) -> list[dict]:
    try:
        import trafilatura
    except ImportError:
        sys.exit("--mix needs trafilatura (pip install trafilatura)")
    out = []
    for page in sorted(html_dir.glob("*.html.gz")):
        html = gzip.decompress(page.read_bytes()).decode("utf-8", "replace")
        text = trafilatura.extract(html) or ""
        if text.strip():
            out.append({"text": text})
    return out


def _interleave(a: list[dict], b: list[dict]) -> list[dict]:
    """Spread the shorter list evenly through the longer one."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return list(a)
    out, step = [], len(a) / len(b)
    j = 0
    for i, item in enumerate(a):
        out.append(item)
        while j < len(b) and (j + 1) * step <= i + 1:
            out.append(b[j])
            j += 1
    return out + b[j:]


def measure(items: list[dict], repeat: int) -> dict:
    from borderwatch.detect import detect

    for i in items:  # warm up: gazetteer load, regex and token caches
        detect(i["text"], title=i.get("title"), language=i.get("language"), published=i.get("published"))
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        for i in items:
            detect(i["text"], title=i.get("title"), language=i.get("language"), published=i.get("published"))
        wall.append(time.perf_counter() - t)
        cpu.append(max(time.process_time() - c, 1e-9))
    n = len(items)
    return {"articles": n, "mean_chars": sum(len(i["text"]) for i in items) / n,
            "cpu_rate": n / statistics.median(cpu), "cpu_best": n / min(cpu), "wall_rate": n / statistics.median(wall)}


def _report(label: str, r: dict) -> None:
    print(f"{label:<12} {r['articles']:4d} articles, mean {r['mean_chars']:5.0f} chars: "
          f"{r['cpu_rate']:5.0f} articles/CPU-s (best pass {r['cpu_best']:.0f}, "
          f"{r['cpu_rate'] * r['mean_chars'] / 1000:.0f} k chars/s) | wall {r['wall_rate']:.0f} articles/s, one core")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", help="JSON Lines file of articles")
    ap.add_argument("--repeat", type=int, default=5, help="timed passes over the articles (default 5)")
    ap.add_argument("--min-chars", type=int, default=0, help="skip shorter texts")
    ap.add_argument("--concat", type=int, default=1,
                    help="join N consecutive texts into one article (to emulate longer articles)")
    ap.add_argument("--mix", nargs="?", const=str(DEFAULT_HTML), default=None, metavar="HTML_DIR",
                    help="also time a typical mix: these pages' extracted texts interleaved with the articles")
    args = ap.parse_args(argv)

    items = _load(args.path, args.concat, args.min_chars)
    if not items:
        print("no articles", file=sys.stderr)
        return 1
    _report("worst case" if args.mix else "articles", measure(items, args.repeat))
    if args.mix:
        pages = _extract(Path(args.mix))
        if not pages:
            print(f"no pages with text in {args.mix}", file=sys.stderr)
            return 1
        _report("other news", measure(pages, args.repeat))
        _report("typical mix", measure(_interleave(pages, items), args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
