"""Sentence splitting with character offsets (one pass, no dependencies).

News pages arrive with headlines glued to the lead, bullet lists, wire datelines and abbreviations such as
"U.S." or "Lt. Gen."; the splitter keeps offsets into the original string so evidence can be sliced back out.
"""

from __future__ import annotations

import re

# Candidate boundaries: sentence punctuation (Latin, Arabic, Devanagari) followed by optional closing quotes
# and whitespace; any line break; runs of 2+ spaces (page clutter that stood for a paragraph break); bullets.
_BOUNDARY = re.compile(
    r"""(?=[.!?…؟।۔\s•·▪●])(?:"""  # only these characters can start a boundary: skip the rest at C speed
    r"""(?P<punct>[.!?…؟।۔]+["'”’»)\]]*)(?P<ws>\s+)"""
    r"""|(?P<nl>[ \t]*\n[\s]*)"""
    r"""|(?P<gap>[ \t]{2,})"""
    r"""|(?P<bullet>\s[•·▪●]\s*))"""
)
# Tokens after which a period does not end a sentence.
_ABBREV = frozenset(
    """mr mrs ms dr gen lt col capt maj sgt cpl pvt adm cmdr brig rep sen gov st no vs etc e.g i.e approx est
    jan feb mar apr jun jul aug sep sept oct nov dec u.s u.n u.k u.s.a e.u inc ltd co corp dept govt prof
    ген г гг т.е т.д им ул св""".split()
)
_LAST_TOKEN = re.compile(r"([\w.]+)\.?$")
_UPPER_START = re.compile(r"""\s*["'“‘«(\[]*[^\W\d_a-zа-яё]""")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of sentences in ``text``; spans are stripped of surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    for m in _BOUNDARY.finditer(text):
        if m.group("punct") is not None:
            punct = m.group("punct")
            nxt = text[m.end():m.end() + 3]
            if punct[0] == "." and punct.rstrip("\"'”’»)]") == ".":
                before = text[max(start, m.start() - 12):m.start()]
                tok = _LAST_TOKEN.search(before)
                word = tok.group(1).lower() if tok else ""
                if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                    continue
                # "3.5" never reaches here (needs whitespace); lowercase continuation = not a boundary
                if nxt[:1].islower():
                    continue
            cut = m.start() + len(punct)
        elif m.group("gap") is not None:
            # a wide gap (page clutter standing for a line break) ends a sentence only when the next piece
            # starts like a sentence and the text before it is complete or a headline
            if not _UPPER_START.match(text, m.end()) and not text[m.end():m.end() + 1].isdigit():
                continue
            if not _gap_is_break(text, start, m.start(), m.end()):
                continue
            cut = m.start()
        else:
            cut = m.start()
        _add(text, spans, start, cut)
        start = m.end()
    _add(text, spans, start, n)
    return spans


_STARTERS = frozenset("""the a an in on at as after according meanwhile but however this that these it he she they we
    there his her their its earlier later since when while with by for from some many more most officials""".split())
_WORD = re.compile(r"[^\W\d_][\w'’-]*+")


def _gap_is_break(text: str, seg_start: int, gap_start: int, gap_end: int) -> bool:
    before = text[seg_start:gap_start].rstrip()
    if not before or before[-1] in ".!?:\"”’»)]|•":
        return True
    nxt = _WORD.match(text, gap_end)
    if nxt:
        w = nxt.group(0)
        if (w.isupper() and len(w) > 1) or w.lower() in _STARTERS:
            return True
    words = _WORD.findall(before[-200:])
    if len(words) >= 3:
        caps = sum(1 for w in words if w[0].isupper() or w.lower() in ("of", "to", "in", "on", "and", "the", "for", "a"))
        if caps >= 0.85 * len(words):
            return True  # a Title Case headline glued to the lead
    return False


def _add(text: str, spans: list[tuple[int, int]], start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
