"""The I/O stages of one monitoring pass: fetch feeds, then fetch pages and analyse them on all cores.

Pure decisions live in feeds / extract / detect; storage lives in ``models``; Prefect lives in ``flows``.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import BrokenExecutor, Executor
from functools import partial
from typing import TypeVar
from urllib.parse import quote, urlsplit

from borderwatch import aggregators
from borderwatch.config import Config, http_url_problem
from borderwatch.errors import BlockedURLError, FeedParseError, FetchError
from borderwatch.extract import Extracted, PageJob, PageResult, analyse_page, content_hash
from borderwatch.feeds import parse_feed
from borderwatch.net import Fetcher
from borderwatch.polling import cache_max_age
from borderwatch.records import ArticleRecord, FeedEntry, FeedOutcome, FeedRequest, PageTask

T = TypeVar("T")

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml, "
               "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")


async def fetch_feeds(config: Config, requests: Sequence[FeedRequest], trusted_urls: Sequence[str]) -> list[FeedOutcome]:
    """Fetch and parse every feed concurrently. One feed's failure is recorded in its outcome, never raised."""
    async with Fetcher(config.network) as fetcher:
        fetcher.trust(trusted_urls)
        return list(await asyncio.gather(*(_fetch_feed(fetcher, r, config) for r in requests)))


async def fetch_claimed_feeds(config: Config, claim: Callable[[int], tuple[list[list[FeedRequest]], bool]],
                              trusted_urls: Sequence[str], *, retry: float = 0.05) -> list[FeedOutcome]:
    """Fetch feeds as this pass claims them, a host at a time, keeping ``concurrency // per_host`` hosts busy.

    ``claim(n)`` (called in a thread: it talks to the database) returns the feeds of up to ``n`` more hosts,
    grouped by host, and whether due feeds may be left unclaimed (another pass may be claiming them this very
    moment). Each host's feeds are fetched concurrently within ``per_host``; when a host is done, another is
    claimed. Hosts are claimed a quarter of the slots at a time, so that fetching starts after the first few
    and passes starting together take turns (they get about as many hosts each, not all one and the rest the
    other). While slots are free and feeds may remain, this pass asks again at once when it got hosts, every
    ``retry`` seconds when it got none (rows another pass is claiming: Postgres skips them), rather than when
    one of its hosts is done: it would otherwise sit on free slots for a whole host's fetching, while those
    hosts wait. Returns every outcome, in the order the hosts finished."""
    slots = max(1, config.network.concurrency // config.network.per_host)
    batch = -(-slots // 4)
    outcomes: list[FeedOutcome] = []
    async with Fetcher(config.network) as fetcher:
        fetcher.trust(trusted_urls)

        async def host(requests: list[FeedRequest]) -> list[FeedOutcome]:
            return list(await asyncio.gather(*(_fetch_feed(fetcher, r, config) for r in requests)))

        active: set[asyncio.Task] = set()
        more = True  # due feeds may remain unclaimed
        while True:
            if more and len(active) < slots:
                groups, more = await asyncio.to_thread(claim, min(batch, slots - len(active)))
                active.update(asyncio.create_task(host(g)) for g in groups if g)
                if groups and more and len(active) < slots:
                    continue  # the next batch at once
            if not active and not more:
                return outcomes
            # free slots and feeds perhaps left: ask again shortly, or as soon as a host is done
            wait = retry if more and len(active) < slots else None
            if not active:
                await asyncio.sleep(wait)
                continue
            done, active = await asyncio.wait(active, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            for finished in done:
                outcomes += finished.result()


async def _fetch_feed(fetcher: Fetcher, req: FeedRequest, config: Config) -> FeedOutcome:
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        resp = await fetcher.get(req.url, trusted=True, etag=req.etag, last_modified=req.last_modified,
                                 accept=FEED_ACCEPT)
    except FetchError as exc:
        return FeedOutcome(req.feed_id, status=exc.status, error=str(exc), retry_after=exc.retry_after,
                           seconds=loop.time() - started)
    max_age = cache_max_age(resp.headers)
    if resp.not_modified:
        return FeedOutcome(req.feed_id, 304, req.etag, req.last_modified, seconds=loop.time() - started,
                           max_age=max_age)
    try:
        parsed = parse_feed(resp.content, resp.headers, base_url=resp.url,
                            limit=config.pipeline.max_entries_per_feed)
    except FeedParseError as exc:
        return FeedOutcome(req.feed_id, resp.status, error=f"unusable feed: {exc}", seconds=loop.time() - started)
    except Exception as exc:  # a parser bug on one feed's bytes must not stop the other feeds: record it
        return FeedOutcome(req.feed_id, resp.status, error=f"unusable feed: {type(exc).__name__}: {exc}"[:500],
                           seconds=loop.time() - started)
    if req.aggregator:  # other outlets' articles: credited to their publishers, links unwrapped
        parsed.entries = [e for e in (aggregators.attribute(e, req.aggregator, req.url) for e in parsed.entries) if e]
    return FeedOutcome(req.feed_id, resp.status, resp.headers.get("etag"), resp.headers.get("last-modified"),
                       parsed, seconds=loop.time() - started, max_age=max_age)


async def fetch_and_analyse(config: Config, tasks: Sequence[PageTask], pool: Executor | None,
                            trusted_urls: Sequence[str]) -> list[ArticleRecord]:
    """Fetch every page (bounded globally and per host) and analyse each as soon as it arrives, in ``pool``
    (extraction and detection are CPU-bound) or inline when pool is None."""
    loop = asyncio.get_running_loop()
    analyse = partial(analyse_page, timeout=config.pipeline.extract_timeout, max_bytes=config.pipeline.max_html_bytes,
                      decode_cap=config.network.max_bytes)
    # pages fetched but not yet analysed are bounded: fetching outruns extraction, and each page is ~100 KB+
    in_flight = asyncio.Semaphore(max(config.network.concurrency, 4 * (config.pipeline.extract_workers or os.cpu_count() or 2)))
    async with Fetcher(config.network) as fetcher:
        fetcher.trust(trusted_urls)

        async def one(index: int, task: PageTask) -> ArticleRecord:
            entry = task.entry
            html: bytes | None = None
            status = final_url = encoding = None
            fetch_status, error = "ok", None
            if entry.headline_only and config.aggregators.google_resolver and entry.via == aggregators.GOOGLE:
                entry, error = await _resolve(fetcher, config.aggregators.google_resolver, entry)
            if entry.headline_only:  # the publisher's URL is unknown: the aggregator's page is never fetched
                fetch_status = "headline_only"
            else:
                html, status, final_url, encoding, fetch_status, error = await _fetch_page(fetcher, entry.url)
            job = PageJob(index, html, final_url or entry.url, entry.title, entry.summary, task.language,
                          entry.published.isoformat() if entry.published else None, encoding)
            try:
                result = analyse(job) if pool is None else await loop.run_in_executor(pool, analyse, job)
            except BrokenExecutor:
                raise  # the pool itself is gone: fail the batch, store nothing; the next run retries it
            except Exception as exc:  # a bug on one page must not block every run: keep it, say why
                result = _unanalysed(job, f"analysis failed: {type(exc).__name__}: {exc}"[:500])
                fetch_status, error = "analysis_failed", result.extracted.error
            if fetch_status == "ok" and result.source == "feed_summary":
                fetch_status, error = "extraction_failed", result.extracted.error
            return ArticleRecord(task.feed_id, entry, final_url, status, fetch_status, error, result, task.replaces)

        order = interleave_hosts(range(len(tasks)), key=lambda i: urlsplit(tasks[i].entry.url).hostname or "")
        records: list[ArticleRecord | None] = [None] * len(tasks)

        async def keep(i: int) -> None:
            async with in_flight:
                records[i] = await one(i, tasks[i])

        await asyncio.gather(*(keep(i) for i in order))
        return [r for r in records if r is not None]


async def _fetch_page(fetcher: Fetcher, url: str):
    """(html as sent, HTTP status, final URL, content encoding, fetch status, error) for one page."""
    html = status = final_url = encoding = None
    fetch_status, error = "ok", None
    try:
        # left compressed: the worker decodes it, off this process's CPU
        resp = await fetcher.get(url, accept=PAGE_ACCEPT, decode=False)
        status, final_url = resp.status, resp.url
        if resp.content_type not in HTML_TYPES:
            fetch_status, error = "unsupported", f"not an HTML page: {resp.content_type}"
        else:
            html, encoding = resp.content, resp.headers.get("content-encoding")
    except BlockedURLError as exc:
        fetch_status, error = "blocked", str(exc)
    except FetchError as exc:
        fetch_status, error, status = "fetch_failed", str(exc), exc.status
    except Exception as exc:  # whatever one page does, the batch goes on: keep the entry, say why
        fetch_status, error = "fetch_failed", f"{type(exc).__name__}: {exc}"[:500]
    return html, status, final_url, encoding, fetch_status, error


async def _resolve(fetcher: Fetcher, template: str, entry: FeedEntry) -> tuple[FeedEntry, str | None]:
    """Ask the configured resolver for a Google News item's publisher URL: (the entry fetched there, None), or
    (the headline-only entry, why the resolver did not help)."""
    try:
        resp = await fetcher.get(template.replace("{url}", quote(entry.url, safe="")), trusted=True,
                                 accept="text/plain, */*;q=0.5")
    except FetchError as exc:
        return entry, f"resolver failed: {exc}"
    target = resp.content.decode("utf-8", "replace").strip()
    problem = http_url_problem(target) if target else "empty answer"
    resolved = None if problem else aggregators.resolved(entry, target)
    if resolved is None:
        return entry, f"resolver gave no publisher URL ({problem or 'malformed URL'})"
    return resolved, None


def interleave_hosts(items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    """Round-robin over hosts (a, a, a, b, b, c -> a, b, c, a, b, a): requests start in this order, so a
    batch keeps many hosts busy instead of queueing on one host's limit."""
    queues: dict[str, deque[T]] = {}
    for item in items:
        queues.setdefault(key(item), deque()).append(item)
    out: list[T] = []
    while queues:
        for host in list(queues):
            out.append(queues[host].popleft())
            if not queues[host]:
                del queues[host]
    return out


def _unanalysed(job: PageJob, error: str) -> PageResult:
    """What is stored for a page whose extraction or detection raised: the feed's text, not relevant."""
    text = job.feed_summary
    from borderwatch.detect.types import Detection

    return PageResult(job.key, Extracted(None, error=error), Detection(False, 0.0), text, job.feed_title,
                      "feed_summary", content_hash(job.feed_title + "\n" + text), job.language)
