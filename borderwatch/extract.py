"""Article extraction with trafilatura, and the process pool that runs extraction + detection on all cores.

trafilatura gets bytes, never a URL to fetch. Each page is bounded in size (cut before parsing) and in time
(an interval timer in the worker process).
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import re
import signal
import sys
import types
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the detector is imported where pages are analysed (the pool's workers), not by the flow
    from borderwatch.detect.types import Detection

RESET_EVERY = 100  # pages between trafilatura cache resets in a worker (bounded memory)
_HTML_LANG = re.compile(rb"<html[^>]*\blang=[\"']?([a-zA-Z]{2,3})", re.IGNORECASE)


@dataclass(slots=True)
class Extracted:
    text: str | None
    title: str | None = None
    author: str | None = None
    published: str | None = None  # ISO date as trafilatura found it
    language: str | None = None
    site_name: str | None = None
    error: str | None = None  # why extraction gave nothing

    @property
    def ok(self) -> bool:
        return bool(self.text)


class ExtractionTimeout(BaseException):  # not an Exception: trafilatura's own `except Exception` must not swallow it
    pass


def extract_article(html: bytes, url: str | None = None, *, max_bytes: int = 3_000_000,
                    metadata: bool = True) -> Extracted:
    """Extract body text and metadata from one page (pure, CPU-bound).

    ``metadata=False`` reads only the page's ``<meta>`` tags (author, site name: ~0.3 ms) instead of
    trafilatura's whole metadata pass (title and date heuristics, htmldate: nearly half of its cost per page),
    for pages whose feed entry already gives the title and the date. The body text is the same either way."""
    if not html or not html.strip():
        return Extracted(None, error="empty page")
    if len(html) > max_bytes:
        html = html[:max_bytes]
    declared = _HTML_LANG.search(html[:4096])
    meta = None
    try:
        trafilatura = _trafilatura()
        tree = trafilatura.utils.load_html(html)
        if tree is not None and not metadata:
            meta = trafilatura.metadata.examine_meta(tree)  # before extraction, which prunes the tree
        doc = trafilatura.bare_extraction(tree, url=url, fast=True, include_comments=False, with_metadata=metadata,
                                          include_tables=True, include_images=False) if tree is not None else None
    except ExtractionTimeout:
        raise
    except Exception as exc:  # trafilatura/lxml raise many types on hostile HTML; record, do not crash the run
        return Extracted(None, error=f"extraction failed: {type(exc).__name__}: {exc}"[:500])
    if doc is None or not (doc.text or "").strip():
        return Extracted(None, error="no article text found")
    from borderwatch.detect.langid import guess_language

    lang = guess_language(doc.text, declared.group(1).decode().lower() if declared else None)
    if meta is not None:  # as trafilatura keeps them: an author without a space is no name
        author = meta.author if meta.author and " " in meta.author else None
        return Extracted(text=doc.text.strip(), author=author, language=lang, site_name=meta.sitename)
    return Extracted(text=doc.text.strip(), title=doc.title, author=doc.author, published=doc.date,
                     language=lang, site_name=doc.sitename)


def _trafilatura():
    """trafilatura is imported where extraction runs (the pool's workers), not in the orchestrating process."""
    import trafilatura
    import trafilatura.metadata
    import trafilatura.utils

    return trafilatura


def content_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


@dataclass(slots=True)
class PageJob:
    key: int  # caller's index
    html: bytes | None  # None: page could not be fetched, analyse the feed's text only
    url: str
    feed_title: str = ""
    feed_summary: str = ""
    language: str | None = None  # the feed's declared language
    published: str | None = None
    content_encoding: str | None = None  # html as sent (gzip...): decoded by the worker, bounded by decode_cap


@dataclass(slots=True)
class PageResult:
    key: int
    extracted: Extracted
    detection: Detection
    text: str  # text that was analysed (extracted body, or the feed's summary)
    title: str
    source: str  # "trafilatura" | "feed_summary"
    content_hash: str
    language: str | None = None
    notes: list[str] = field(default_factory=list)


_worker_pages = 0


def _alarm(_signum, _frame):
    raise ExtractionTimeout()


def analyse_page(job: PageJob, *, timeout: float = 20.0, max_bytes: int = 3_000_000,
                 decode_cap: int = 8_000_000) -> PageResult:
    """Decode, extract (with a time bound) and detect. Runs in a worker process; also callable inline."""
    global _worker_pages
    from borderwatch.detect import detect  # imported lazily: the pool's workers pay for it once
    from borderwatch.detect.langid import guess_language
    from borderwatch.errors import FetchError
    from borderwatch.net import decode_body

    use_timer = timeout > 0 and hasattr(signal, "setitimer") and multiprocessing.parent_process() is not None
    html = job.html
    error = None if html is not None else "page not fetched"
    if html is not None and job.content_encoding:
        try:
            html = decode_body(html, job.content_encoding, decode_cap)
        except FetchError as exc:
            html, error = None, str(exc)
    if html is None:
        extracted = Extracted(None, error=error)
    else:
        if use_timer:
            signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            extracted = extract_article(html, job.url, max_bytes=max_bytes,
                                        metadata=not (job.feed_title and job.published))
        except ExtractionTimeout:
            extracted = Extracted(None, error=f"extraction exceeded {timeout:g}s")
        finally:
            if use_timer:
                signal.setitimer(signal.ITIMER_REAL, 0)
    _worker_pages += 1
    if _worker_pages % RESET_EVERY == 0:
        from trafilatura.meta import reset_caches

        reset_caches()
    if extracted.ok:
        text, source = extracted.text or "", "trafilatura"
    else:
        text, source = job.feed_summary, "feed_summary"
    title = job.feed_title or extracted.title or ""
    language = guess_language(text, extracted.language or job.language)
    detection = detect(text, title=title or None, language=language, published=job.published)
    return PageResult(job.key, extracted, detection, text, title, source, content_hash(title + "\n" + text), language)


def _init_worker() -> None:
    # reset_caches() asks charset_normalizer for a cache_clear it may not have and htmldate logs that at ERROR
    # every time: not a problem of the page, so not worth a log line per RESET_EVERY pages.
    logging.getLogger("htmldate.meta").setLevel(logging.CRITICAL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    import trafilatura  # noqa: F401  warm both once per worker

    import borderwatch.detect  # noqa: F401  (gazetteer, compiled rules)


def _ready() -> None:
    """A no-op job: submitting one per worker starts the workers (the pool spawns them on demand)."""


@contextmanager
def _bare_main():
    """While workers start, ``__main__`` is a bare module: "spawn" re-runs the parent's ``__main__`` in each
    child (for functions defined there), and the workers need nothing from it. Under Prefect's engine
    (``python -m prefect.engine``) that is an import of all of Prefect, about 1 s and 40 MB per worker per run.
    multiprocessing reads ``sys.modules["__main__"]`` synchronously in ``Process.start()``."""
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if saved is not None:
            sys.modules["__main__"] = saved


def make_pool(workers: int | None = None) -> Executor:
    """A bounded process pool for extraction + detection ("spawn": safe beside Prefect's threads).

    Its workers start now (the pool starts them one per submitted job, so never again after this), and warm
    up (import trafilatura, load the gazetteer) while the caller goes on."""
    workers = workers or os.cpu_count() or 2
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker)
    with _bare_main():
        for _ in range(workers):
            pool.submit(_ready)
    return pool
