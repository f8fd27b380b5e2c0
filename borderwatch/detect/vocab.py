"""Word-prefix vocabularies: a cheap way to count or gate on many words at once.

Large regex alternations are slow in Python's backtracking engine (every alternative is tried at every
position); tokenising a sentence once and looking each token's prefixes up in hash sets is several times faster.
Used for the keyword gate in front of the rules and for the relevance counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# combining marks are not "\w" to Python's re, but they are inside words: Devanagari vowel signs, Arabic harakat
MARKS = "\u0300-\u036f\u0483-\u0489\u064b-\u065f\u0670\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963"
_W = f"[^\\W_]|[{MARKS}]"
TOKEN_RE = re.compile(f"(?:{_W})+(?:['’-](?:{_W})+)*|%")
# the same tokens, for text with no "_": one character class per step instead of an alternation (twice as fast),
# possessive (nothing follows a token, so giving characters back never finds another match: no backtracking state)
_TOKEN_NO_UNDERSCORE = re.compile(f"[\\w{MARKS}]++(?:['’-][\\w{MARKS}]++)*+|%")


def tokens(text: str) -> list[str]:
    """Lower-case word tokens ("taliban's", "anti-terror", "201st")."""
    low = text.lower().replace("’", "'")
    if "\u0307" in low:  # Turkish dotted capital İ lower-cases to i + combining dot
        low = low.replace("i\u0307", "i")
    if "_" in low:  # "_" is "\w" but no token character: a separator, as a space is
        low = low.replace("_", " ")
    return _TOKEN_NO_UNDERSCORE.findall(low)


class StemSet:
    """Tokens that equal one of ``words`` or start with one of ``stems``."""

    def __init__(self, stems: Iterable[str] = (), words: Iterable[str] = (), clitics: Iterable[str] = ()) -> None:
        self.words = frozenset(w.lower() for w in words)
        self.clitics = tuple(clitics)
        by_len: dict[int, set[str]] = {}
        for s in stems:
            by_len.setdefault(len(s), set()).add(s.lower())
        self._by_len = sorted((n, frozenset(v)) for n, v in by_len.items())
        self._cache: dict[str, bool] = {}

    def hit(self, tok: str) -> bool:
        r = self._cache.get(tok)
        if r is None:
            r = self._compute(tok)
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[tok] = r
        return r

    def _compute(self, tok: str) -> bool:
        if tok in self.words:
            return True
        for n, stems in self._by_len:
            if len(tok) < n:
                break
            if tok[:n] in stems:
                return True
        return any(self._compute(tok[len(c):]) for c in _clitics_of(tok, self.clitics))

    def count(self, toks: list[str]) -> int:
        cache = self._cache
        n = 0
        for t in toks:
            r = cache.get(t)
            if r is None:
                r = self.hit(t)
            n += r
        return n

    def any(self, toks: list[str]) -> bool:
        cache = self._cache
        for t in toks:
            r = cache.get(t)
            if r is None:
                r = self.hit(t)
            if r:
                return True
        return False


class StemMap:
    """Like :class:`StemSet`, but each stem carries labels; ``labels(tokens)`` is the union over all tokens.

    One pass over a sentence tells which rules can fire at all (their trigger words are present)."""

    def __init__(self, labelled: dict[str, Iterable[str]], clitics: Iterable[str] = ()) -> None:
        self.clitics = tuple(clitics)
        by_len: dict[int, dict[str, set[str]]] = {}
        for label, stems in labelled.items():
            for st in stems:
                by_len.setdefault(len(st), {}).setdefault(st.lower(), set()).add(label)
        self._by_len = sorted((n, {k: frozenset(v) for k, v in d.items()}) for n, d in by_len.items())
        self._cache: dict[str, frozenset[str]] = {}

    def _compute(self, tok: str) -> frozenset[str]:
        out: set[str] = set()
        for n, stems in self._by_len:
            if len(tok) < n:
                break
            got = stems.get(tok[:n])
            if got:
                out |= got
        for c in _clitics_of(tok, self.clitics):
            out |= self._compute(tok[len(c):])
        if "-" in tok:  # a pattern may start inside a hyphenated word ("Taliban" in "anti-Taliban")
            for part in tok.split("-"):
                if part:
                    out |= self._compute(part)
        return frozenset(out)

    def labels(self, toks: Iterable[str]) -> set[str]:
        cache = self._cache
        out: set[str] = set()
        for t in set(toks):
            r = cache.get(t)
            if r is None:
                r = self._compute(t)
                if len(cache) > 100_000:
                    cache.clear()
                cache[t] = r
            if r:
                out |= r
        return out


class FeatureTable(dict):
    """token → bit mask of the vocabularies (``StemSet``s) it belongs to, filled on first sight.

    A ``dict`` subclass so that a whole sentence is looked up at C speed: ``Counter(map(table.__getitem__,
    tokens))`` counts every vocabulary in one pass (``__missing__`` computes an unseen token once)."""

    __slots__ = ("_words", "_by_len", "_clitics", "_part_mask")

    def __init__(self, sets: Iterable[tuple[int, StemSet]], clitics: Iterable[str] = (), part_mask: int = 0) -> None:
        """``clitics``: prefixes glued to words (a token that matches nothing is tried without them);
        ``part_mask``: bits that the parts of a hyphenated token also set ("terror" in "anti-terror": a gate may
        start inside a word, a count may not)."""
        super().__init__()
        self._clitics = tuple(clitics)
        self._part_mask = part_mask
        words: dict[str, int] = {}
        by_len: dict[int, dict[str, int]] = {}
        for bit, vocab in sets:
            for w in vocab.words:
                words[w] = words.get(w, 0) | bit
            for n, stems in vocab._by_len:
                d = by_len.setdefault(n, {})
                for st in stems:
                    d[st] = d.get(st, 0) | bit
        self._words = words
        self._by_len = sorted(by_len.items())

    def __missing__(self, tok: str) -> int:
        mask = self._mask(tok)
        if not mask:
            for c in _clitics_of(tok, self._clitics):
                mask |= self._mask(tok[len(c):])
        if self._part_mask and "-" in tok:
            for part in tok.split("-"):
                mask |= self._mask(part) & self._part_mask
        if len(self) > 200_000:
            self.clear()
        self[tok] = mask
        return mask

    def _mask(self, tok: str) -> int:
        mask = self._words.get(tok, 0)
        size = len(tok)
        for n, stems in self._by_len:
            if size < n:
                break
            mask |= stems.get(tok[:n], 0)
        return mask


def _clitics_of(tok: str, clitics: tuple[str, ...]) -> list[str]:
    """The clitics glued to the front of ``tok`` ("و" + "القوات"), leaving at least two letters."""
    return [c for c in clitics if len(tok) > len(c) + 1 and tok.startswith(c)] if clitics else []
