"""What the detector returns. Shared by the pipeline, storage and the `detect` CLI contract."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from borderwatch.gazetteer import Place

# Kinds that raise alerts; the others mark relevant items with no alert event.
ALERT_KINDS = ("territorial", "troop_movement")
KINDS = ALERT_KINDS + ("statement", "cooperation", "attack", "threat_assessment")

SUBTYPES: dict[str, tuple[str, ...]] = {
    "territorial": ("captured", "retaken", "handed_over", "control_claim", "contested"),
    "troop_movement": (
        "crossed_border", "returned", "deployed", "mobilised", "exercise", "alert",
        "surrendered", "defected", "withdrawal", "refugees_crossing",
    ),
    "statement": ("statement",),
    "cooperation": ("cooperation",),
    "attack": ("attack",),
    "threat_assessment": ("threat_assessment",),
}


@dataclass(slots=True)
class EventMention:
    """One event as one article reports it."""

    kind: str
    subtype: str
    evidence: str  # the sentence that says so
    start: int  # character offsets of the evidence in the detector's input text
    end: int
    rule: str  # which rule / pattern fired
    confidence: float
    place: Place | None = None
    actors: list[str] = field(default_factory=list)  # normalised: "Taliban", "Afghan government forces", ...
    count: int | None = None
    count_unit: str | None = None  # "soldiers", "border guards", ...
    count_text: str | None = None  # as written: "280 soldiers"
    claimant: str | None = None  # "Taliban spokesman Zabihullah Mujahid"
    event_date: str | None = None  # ISO date when the text states one
    checks: list[str] = field(default_factory=list)  # the named checks (borderwatch/detect/checks.py) it passed

    def to_json(self, text_offset: int = 0) -> dict:
        """The JSON contract of one event. ``text_offset``: where the article text starts in the analysed string
        (``len(title) + 2`` when a title was given), so that ``start``/``end`` index the text itself; evidence
        from the title has ``start``/``end`` null and ``in_title`` true."""
        data = asdict(self)
        data["actor"] = self.actors[0] if self.actors else None
        if text_offset:
            if self.start < text_offset:
                data["start"] = data["end"] = None
                data["in_title"] = True
            else:
                data["start"], data["end"] = self.start - text_offset, self.end - text_offset
        return data


@dataclass(slots=True)
class Detection:
    relevant: bool
    score: float  # relevance score in [0, 1]
    events: list[EventMention] = field(default_factory=list)
    language: str | None = None

    @property
    def alert_events(self) -> list[EventMention]:
        return [e for e in self.events if e.kind in ALERT_KINDS]

    text_offset: int = 0  # where the article text starts in the analysed string (title + "\n\n" before it)

    def to_json(self, item_id: str | None = None) -> dict:
        out = {"relevant": self.relevant, "score": round(self.score, 4),
               "events": [e.to_json(self.text_offset) for e in self.events]}
        return {"id": item_id, **out} if item_id is not None else out
