"""Event detection: is an article CSTO / Afghanistan border-security news, and which events does it report?

    >>> from borderwatch.detect import detect
    >>> d = detect("Taliban fighters captured Yamgan district of Badakhshan province on Saturday.")
    >>> d.relevant, [(e.kind, e.subtype) for e in d.alert_events]
    (True, [('territorial', 'captured')])

``detect`` is pure and deterministic; the ``borderwatch detect`` CLI and ``python -m borderwatch.detect`` wrap it
with the JSON Lines contract (:func:`borderwatch.detect.__main__.run_jsonl`).
"""

from .engine import detect
from .types import ALERT_KINDS, KINDS, SUBTYPES, Detection, EventMention

__all__ = ["detect", "Detection", "EventMention", "ALERT_KINDS", "KINDS", "SUBTYPES"]
