"""Armed actors: surface forms (EN, RU, AR-script, Devanagari) → normalised names.

Order matters: more specific forms first ("Russian 201st military base" before "Russian forces",
"Tajik border troops" before "Tajik forces"). ``STATE_ACTORS`` tells a government (or former holder) from a
non-state armed group, which decides captured vs retaken.
"""

from __future__ import annotations

import re

from .lexicon import spans_lower, twin_of
from .vocab import StemMap, StemSet

TALIBAN = "Taliban"
AFGHAN_GOV = "Afghan government forces"
ISISK = "ISIS-K"

_ACTORS: list[tuple[str, str]] = [
    # --- Russian bases and blocs
    (r"201(?:st)?\s+(?:Russian\s+)?(?:military\s+|motor[- ]rifle\s+)?(?:base|division)|Russian\s+(?:military\s+)?base\s+in\s+Tajikistan"
     r"|201-?(?:я|й|ой)\s+(?:российск\w+\s+)?(?:военн\w+\s+)?баз\w*", "Russian 201st military base"),
    (r"\bCSTO\b|Collective Security Treaty Organi[sz]ation|ОДКБ|Организаци\w+ Договора о коллективной безопасности"
     r"|منظمة معاهدة الأمن الجماعي", "CSTO"),
    # --- armed opponents of the Taliban (before "Taliban", which their names contain)
    (r"anti-Taliban\s+(?:fighters|forces|militias?|resistance|groups?|rebels|commanders?|uprising|insurgents|gunmen)", "Anti-Taliban forces"),
    # --- Afghan state, both eras
    (r"Islamic Emirate(?:'s)?\s+(?:forces|army|border (?:guards|forces))|Taliban(?:'s)?\s+(?:security\s+)?(?:forces|border guards|army)"
     r"|(?:Islamic Emirate|Taliban)\s+(?:government\s+)?(?:troops|soldiers)", TALIBAN),
    (r"Afghan (?:National )?(?:Army|Defen[cs]e and Security Forces|security forces|government forces|government troops"
     r"|forces|troops|soldiers|servicemen|military|commandos?|special forces|border (?:guards|police|forces)|police"
     r"|air force|pilots|military personnel)|\bANDSF\b|\bANA\b|\bANSF\b|government (?:forces|troops|soldiers)"
     r"|security forces|Afghan (?:army|armed forces)"
     r"|афганск\w+ (?:военн\w+|солдат\w*|силовик\w*|армии|армия|пограничник\w*|правительственн\w+ (?:войск\w*|сил\w*))"
     r"|правительственн\w+ (?:войск\w*|сил\w*)|военнослужащ\w+ афганск\w+"
     r"|الجيش الأفغاني|القوات الأفغانية|القوات الحكومية|جنود? أفغان\w*|अफगान सैनिक\w*|सुरक्षाबल\w*",
     AFGHAN_GOV),
    # --- Non-state groups
    (r"Islamic State(?:[- ]Khorasan| in Khorasan| Khorasan Province)?|\bIS-?K\b|\bISIS(?:-K)?\b|\bISKP\b|\bISIL\b|\bDaesh\w*"
     r"|Исламск\w+ государств\w*|\bИГИЛ\b|\bИГ\b|ИГ-Хорасан|داعش|تنظيم الدولة|आईएस", ISISK),
    (r"\bTalib(?:an|s)\b|Taleban|талиб\w*|Талиб\w*|طالبان|तालिबान", TALIBAN),
    (r"al[- ]Qa(?:e|i)da|Аль-Каид\w*|القاعدة", "al-Qaeda"),
    (r"Islamic Movement of Uzbekistan|\bIMU\b|Исламск\w+ движени\w+ Узбекистан\w*", "IMU"),
    (r"Jamaat Ansarullah|Джамаат Ансаруллах", "Jamaat Ansarullah"),
    (r"Tehrik-e-Taliban|\bTTP\b|Pakistani Taliban", "TTP"),
    (r"National Resistance Front|\bNRF\b|Фронт национального сопротивления", "NRF"),
    # --- Central Asian and Russian state forces
    (r"Tajik(?:istan(?:'s)?)? (?:border (?:guards?|troops|service|forces|detachments?)|State Committee for National Security|"
     r"national security committee)|border guards? of Tajikistan|Tajik Border Guard"
     r"|таджикск\w+ пограничник\w*|пограничн\w+ (?:войск\w*|отряд\w*|служб\w*) (?:ГКНБ )?(?:Республики )?Таджикистан\w*"
     r"|ГКНБ Таджикистан\w*|حرس الحدود الطاجيك\w*", "Tajik border troops"),
    (r"Tajik(?:istan(?:'s)?)? (?:armed forces|army|troops|military|forces|soldiers|Air Force|Defen[cs]e Ministry)"
     r"|таджикск\w+ (?:военн\w+|арми\w+|войск\w*|сил\w*)|Вооруженн\w+ сил\w* Таджикистан\w*", "Tajik forces"),
    (r"Uzbek(?:istan(?:'s)?)? (?:border (?:guards?|troops|service)|armed forces|army|troops|military|forces|air defen[cs]e\w*)"
     r"|State Border Guard Service|узбекск\w+ (?:пограничник\w*|военн\w+|арми\w+|войск\w*)", "Uzbek forces"),
    (r"Turkmen(?:istan(?:'s)?)? (?:border (?:guards?|troops|service)|armed forces|army|troops|military|forces)"
     r"|туркменск\w+ (?:пограничник\w*|военн\w+|арми\w+|войск\w*)", "Turkmen forces"),
    (r"Kyrgyz(?:stan(?:'s)?)? (?:border (?:guards?|troops|service)|armed forces|army|troops|military|forces)"
     r"|(?:кыргызск|киргизск)\w+ (?:пограничник\w*|военн\w+|арми\w+|войск\w*)", "Kyrgyz forces"),
    (r"Kazakh(?:stan(?:'s)?)? (?:border (?:guards?|troops|service)|armed forces|army|troops|military|forces)"
     r"|казахстанск\w+ (?:пограничник\w*|военн\w+|арми\w+|войск\w*)", "Kazakh forces"),
    (r"Russian (?:troops|forces|military|army|servicemen|soldiers|contingent|paratroopers|border guards)"
     r"|Central Military District|Russia(?:'s)? (?:armed forces|military)"
     r"|российск\w+ (?:военн\w+|войск\w*|сил\w*|контингент\w*|десантник\w*)|Центральн\w+ военн\w+ округ\w*",
     "Russian forces"),
    (r"\b(?:U\.S\.|US|American|NATO|coalition|foreign|international)(?:-led)?\s+(?:coalition\s+)?(?:troops|forces|soldiers|military)"
     r"|Resolute Support", "US/NATO forces"),
    # --- unnamed armed groups (least specific: only when nothing else names them)
    (r"\b(?:unidentified|unknown)\s+(?:armed\s+)?(?:men|gunmen|group)|\barmed (?:group|men|opposition)\b|\bgunmen\b"
     r"|неизвестн\w+ (?:вооруж[её]нн\w+ )?(?:люд\w+|боевик\w*)|вооруж[её]нн\w+ (?:групп\w+|формировани\w+)", "Unidentified armed group"),
]
ACTOR_RES: list[tuple[re.Pattern, str]] = [(re.compile(p, re.IGNORECASE), name) for p, name in _ACTORS]


def _top_alternatives(pattern: str) -> list[str]:
    """The top-level ``|`` alternatives of a pattern (groups, classes and escapes kept whole)."""
    out: list[str] = []
    cur: list[str] = []
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            cur.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    out.append("".join(cur))
    return out


_NON_LATIN = re.compile(r"[\u0400-\u04ff\u0600-\u06ff\u0900-\u097f]")
# for sentences without Cyrillic, Arabic or Devanagari letters: the same patterns less their alternatives in those
# scripts (which cannot match there), so that each position is tried against fewer branches
ACTOR_RES_LATIN: list[tuple[re.Pattern, str]] = [
    (re.compile("|".join(a for a in _top_alternatives(p) if not _NON_LATIN.search(a)) or r"(?!)", re.IGNORECASE), name)
    for p, name in _ACTORS]

STATE_ACTORS = frozenset({
    AFGHAN_GOV, "Tajik border troops", "Tajik forces", "Uzbek forces", "Turkmen forces", "Kyrgyz forces",
    "Kazakh forces", "Russian forces", "Russian 201st military base", "CSTO", "US/NATO forces",
})
NON_STATE = frozenset({TALIBAN, ISISK, "al-Qaeda", "IMU", "Jamaat Ansarullah", "TTP", "NRF", "Anti-Taliban forces",
                       "Unidentified armed group"})
FOREIGN_WITHDRAWING = frozenset({"US/NATO forces"})


# Latin-script anchor words per actor: a pattern only runs on a sentence holding one of its anchors
_ANCHORS = {
    "Russian 201st military base": ("201",),
    "Anti-Taliban forces": ("anti-taliban",),
    "Unidentified armed group": ("unidentified", "unknown", "armed", "gunmen"),
    "CSTO": ("csto", "collective"),
    "Afghan government forces": ("afghan", "andsf", "ana", "ansf", "government", "security"),
    "Taliban": ("talib", "taleb", "islamic"),
    ISISK: ("islamic", "is", "is-k", "isis", "isis-k", "iskp", "isil", "daesh"),
    "al-Qaeda": ("al-qaeda", "al-qaida", "al", "qaeda", "qaida"),
    "IMU": ("islamic", "imu"),
    "Jamaat Ansarullah": ("jamaat",),
    "TTP": ("tehrik", "tehrik-e-taliban", "ttp", "pakistani"),
    "NRF": ("national", "nrf"),
    "Tajik border troops": ("tajik", "tajikistan", "tajikistan's", "border", "state"),
    "Tajik forces": ("tajik", "tajikistan", "tajikistan's"),
    "Uzbek forces": ("uzbek", "uzbekistan", "uzbekistan's", "state"),
    "Turkmen forces": ("turkmen", "turkmenistan", "turkmenistan's"),
    "Kyrgyz forces": ("kyrgyz", "kyrgyzstan", "kyrgyzstan's"),
    "Kazakh forces": ("kazakh", "kazakhstan", "kazakhstan's"),
    "Russian forces": ("russian", "central", "russia", "russia's"),
    "US/NATO forces": ("u", "us", "american", "nato", "coalition", "foreign", "international", "resolute"),
}
_ANCHOR_SETS = [StemSet(_ANCHORS[name]) for _, name in _ACTORS]
# one pass over a sentence's tokens tells which actor patterns can match at all
_ANCHOR_MAP = StemMap({str(i): _ANCHORS[name] for i, (_, name) in enumerate(_ACTORS)})


def find_actors(text: str, lo: int = 0, hi: int | None = None, toks: list[str] | None = None,
                low: str | None = None) -> list[tuple[int, str]]:
    """(position, normalised actor) pairs in text[lo:hi], earliest first; a span claimed by a more specific
    form is not matched again by a general one. ``toks`` (the span's lower-case tokens, given only for a span
    without Cyrillic, Arabic or Devanagari letters) lets patterns whose anchor words are absent be skipped;
    ``low`` (``text`` lower-cased, same length) lets the patterns run as their faster lower-case twins."""
    hi = len(text) if hi is None else hi
    present = _ANCHOR_MAP.labels(toks) if toks else None
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str]] = []
    for i, (rx, name) in enumerate(ACTOR_RES if present is None else ACTOR_RES_LATIN):
        if present is not None and str(i) not in present:
            continue
        for start, end in spans_lower(rx, twin_of(rx) if low is not None else None, text, low, lo, hi):
            if any(a < end and start < b for a, b in taken):
                continue
            taken.append((start, end))
            found.append((start, name))
    found.sort()
    return found


def unique(names: list[str]) -> list[str]:
    seen: list[str] = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen
