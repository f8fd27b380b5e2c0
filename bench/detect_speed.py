"""Benchmark ``borderwatch.detect.detect`` on one core.

    python bench/detect_speed.py ARTICLES.jsonl [--repeat N] [--min-chars N]

ARTICLES.jsonl holds one JSON object per line with "text" (and optionally "title", "language",
"published"), e.g. ``../shared/eval/dev.jsonl``. No texts are stored in the repository. Prints articles/s
and characters/s; the gazetteer is loaded (and the first article run) before timing starts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", help="JSON Lines file of articles")
    ap.add_argument("--repeat", type=int, default=5, help="passes over the file (default 5)")
    ap.add_argument("--min-chars", type=int, default=0, help="skip shorter texts")
    ap.add_argument("--concat", type=int, default=1,
                    help="join N consecutive texts into one article (to emulate longer articles)")
    args = ap.parse_args(argv)

    from borderwatch.detect import detect

    with open(args.path, encoding="utf-8") as f:
        items = [json.loads(line) for line in f if line.strip()]
    if args.concat > 1:
        items = [{"text": "\n\n".join(i["text"] for i in items[k:k + args.concat])}
                 for k in range(0, len(items), args.concat)]
    items = [i for i in items if len(i.get("text") or "") >= args.min_chars]
    if not items:
        print("no articles", file=sys.stderr)
        return 1
    detect(items[0]["text"])  # warm up: gazetteer load, regex caches
    chars = sum(len(i["text"]) for i in items)
    rates, cpu_rates = [], []
    for _ in range(args.repeat):
        t, c = time.perf_counter(), time.process_time()
        for i in items:
            detect(i["text"], title=i.get("title"), language=i.get("language"), published=i.get("published"))
        rates.append(len(items) / (time.perf_counter() - t))
        cpu_rates.append(len(items) / max(time.process_time() - c, 1e-9))
    med, cpu = statistics.median(rates), statistics.median(cpu_rates)
    print(f"{len(items)} articles, mean {chars / len(items):.0f} chars: {med:.0f} articles/s wall, "
          f"{cpu:.0f} articles/s per CPU-second ({cpu * chars / len(items) / 1000:.0f} k chars/s), one core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
