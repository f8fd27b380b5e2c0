"""English rules: verb frames of how wire copy reports takeovers and troop movements, and the cues that veto them.

Written from news register, not from any corpus: "<actor> captured/seized/overran <place>", "<place> fell to
<actor>", "<n> <personnel> fled/crossed into <country>", "<country> returned/sent back <n> <personnel>",
"<forces> were put on high alert", "drills near the <X>-Afghan border". Vetoes: background ("since the Taliban
seized power"), negation, modality (would/could/plan to), repelled attempts, drill scenarios, drills in Russia,
other conflicts, shelling with nobody moving.
"""

from __future__ import annotations

from dataclasses import replace

from .lexicon import Lexicon, Rule, rx
from .vocab import StemMap, StemSet

# ----------------------------------------------------------------------------------------------- nouns
PERSONNEL = (
    r"soldiers?|troops?|servicem[ae]n|service ?(?:members|people|personnel)|military personnel|personnel"
    r"|border (?:guards?|police|troops|forces)|guards|policem[ae]n|police(?:\s+officers)?|commandos?"
    r"|(?:security |armed |government |special |Afghan |army |military |Taliban |rapid reaction |collective )?forces"
    r"|army|militants?|fighters?|insurgents?|rebels?|jihadists?|gunmen|militi(?:a|amen)|paratroopers"
    r"|reservists?|reserves|pilots|contingents?|units?|battalions?|brigades?|detachments?|servicewomen|recruits"
    r"|men|officers|commanders?|garrison|mujahideen|terrorists|crew|marines|defenders|Daeshis|Talibs"
)
CIVILIANS = r"refugees?|civilians?|families|residents|villagers|asylum[- ]seekers|displaced|migrants|Afghans|people"
PLACE_TYPE = (
    r"district(?:s| centers?| centres?| headquarters)?|(?:provincial |regional )?capitals?|cit(?:y|ies)|towns?"
    r"|villages?|settlements?|provinces?|border (?:crossings?|posts?|points?|checkpoints?|town|areas?)|crossings?"
    r"|ports?|dry port|checkpoints?|check posts?|outposts?|posts|positions|bases?|airports?|air ?fields?|bridges?"
    r"|territor(?:y|ies)|areas?|regions?|strongholds?|headquarters|valleys?|passes|mountains?|compounds?"
    r"|government buildings|governor'?s? (?:office|compound)|police (?:headquarters|station)|prison"
)
COUNTRIES_ABROAD = (
    r"Tajikistan|Uzbekistan|Turkmenistan|Kyrgyzstan|Kazakhstan|Iran|Pakistan|China|Afghanistan"
    r"|Tajik|Uzbek|Turkmen|Kyrgyz|Afghan|Iranian|Pakistani"
)

# ------------------------------------------------------------------------------------------ territorial
_CAPTURE = (
    r"captur(?:e|ed|es|ing)|seiz(?:e|ed|es|ing)|seizure|overr(?:an|un|uns|unning)|over-ran|overrun"
    r"|t(?:ook|ake|akes|aken|aking) (?:full |complete |effective )?control|t(?:ook|ake|akes|aken|aking) over"
    r"|gain(?:ed|s|ing)? (?:full |complete )?control|wrest(?:ed|ing)? (?:control|\w+ from)"
    r"|(?:fell|fall(?:en|s|ing)?|collaps(?:ed|es|ing)|succumb(?:ed|s)?|lost) (?:in)?to(?! the ground)|ha(?:s|ve|d) fallen|fall of"
    r"|(?:fell|falls|fallen) (?=(?:\w+ ){0,2}(?:on|overnight|late|early|yesterday|today|after|this|last|without|following))"
    r"|(?:came|come|comes|coming|fell|fallen|be|being|is|are|was|were|now|remains?|brought) under (?:the )?(?:full |complete |total )?(?:control|(?:their|its|his|militants?'?|insurgents?'?|rebels?'?|Taliban(?:'s)?|the Taliban(?:'s)?|IS|ISIS|Islamic State) control)"
    r"|conquer(?:ed|s|ing)?|swept (?:into|through)|sweep(?:s|ing)? (?:into|through)|stormed|occup(?:ied|ies|y|ying)"
    r"|planted (?:their|its) (?:white )?flag|hoisted (?:their|its) (?:white )?flag|raised (?:their|its) flag"
    r"|t(?:ook|aken|ake|akes|aking) (?=(?:the |another |two |three |four |five |several |a |an |most |all |key |more )?"
    r"(?:\w+ ){0,2}(?:district|city|town|capital|village|province|border|crossing|post|checkpoint|base|airport"
    r"|bridge|area|territor|stronghold|headquarters|port|[A-Z]))"
    r"|invaded|entered (?=(?:the )?(?:\w+ ){0,3}(?:city|town|district|capital|[A-Z]))|pushed (?:\w+ ){0,2}out of"
)
_RETAKE = (
    r"recaptur(?:e|ed|es|ing)|retak(?:e|en|es|ing)|retook|re-?took|re-?gain(?:ed|s|ing)? (?:full )?control"
    r"|t(?:ook|ake|akes|aken|aking) back(?: control)?|reclaim(?:ed|s|ing)?|recover(?:ed|s)? (?:control|the (?:district|city|town))"
    r"|liberat(?:ed|es|ing)|cleared (?:\w+ ){0,5}of (?:the )?(?:Taliban|militants|insurgents|ISIS|IS|Daesh|terrorists)"
    r"|back under (?:government|state|Afghan) control|pushed (?:the )?(?:Taliban|militants|insurgents|them) (?:\w+ )?out"
    r"|won back|re-?establish(?:ed|es)? control|restored (?:government |state )?control"
)
_HANDOVER = (
    r"handed (?:over )?(?:control|(?:over|to) (?=(?:the )?(?:\w+ )?(?:district|city|town|base|post|checkpoint|border|crossing|area|[A-Z][a-z])))"
    r"|hand(?:s|ing)? over (?=(?:the )?(?:\w+ )?(?:district|city|town|base|post|checkpoint|border|crossing|area|control))"
    r"|surrender(?:ed|s|ing)? (?:the |their |a |its |his |several |two |three |dozens of |all )?(?:\w+ )?(?:district|city|town|base|posts?"
    r"|outposts?|positions?|checkpoints?|check posts?|headquarters|border|crossing|garrison)"
    r"|without (?:a |any )?(?:fight|resistance|fighting|a shot)|abandon(?:ed|ing)? (?:their |the |its )?(?:\w+ )?(?:posts?|positions?|checkpoints?|bases?|outposts?|district|city)"
    r"|negotiated (?:handover|surrender|transfer|withdrawal)|transferr?(?:ed|ing)? control|peacefully (?:taken|handed)"
)
_CONTROL_SHARE = (
    r"(?:\d+(?:\.\d+)?\s*(?:%|per ?cent)|(?:a|one|two)[- ](?:third|quarter|half)s?|half|two-thirds|three-quarters"
    r"|most|the majority|much|large (?:parts|swathes|portions|areas)|vast (?:swathes|areas)|all)"
)
_CLAIM = (
    rf"(?:control(?:s|led|ling)?|in control of|hold(?:s|ing)?|held|seiz(?:ed|ure of)|captur(?:ed|e of))\s+(?:of\s+)?(?:about |around |nearly |almost |over |more than |roughly |some |up to |approximately |at least )?"
    rf"{_CONTROL_SHARE}\s+of\s+(?:the |its |their |Afghanistan'?s? |the country'?s? |all )?(?:\w+\s+){{0,3}}(?:border|frontier|territory|territories|country|districts|provinces|land|crossings)"
    rf"|{_CONTROL_SHARE}\s+of\s+(?:the |its |Afghanistan'?s? )?(?:\w+\s+){{0,2}}(?:border|frontier|territory|country|districts)\s+(?:is |are |was |were )?(?:now )?(?:under|controlled|in the hands)"
)
# a current-control statement about a place: "the crossing is still controlled by Afghan border guards",
# "the town remains in the hands of the Taliban" (the holder must be named right after: see the engine's "holder")
_HELD = (
    r"(?:is|are|was|were|remains?|remained)\s+(?:still|now|currently|firmly|fully|completely|entirely|already)"
    r"(?:\s+(?:firmly|fully|completely|entirely))?\s+(?:controlled|held|in the hands of)\b"
    r"|remain(?:s|ed)?\s+(?:firmly\s+)?(?:controlled by|held by|in the hands of)"
)
# an armed group's advance as a noun ("have seen a rapid Taliban advance", "the militants' gains in Kunduz"):
# the engine requires the group named right before it
_ADVANCE = r"advances?\b(?!\s+(?:notice|warning|payment|party|team|booking|copy|copies|of\s+(?:the\s+)?(?:talks|negotiations)))|gains\b"
_CONTEST = (
    r"battl(?:e|es|ing) for(?: control(?: of)?)?|fight(?:ing|s)? for(?: control(?: of)?)?"
    r"|besieg(?:ed|ing|es)|under siege|la(?:id|ying|y) siege|encircl(?:ed|ing|es)"
    r"|(?:clashes|fighting|battles?) (?:\w+ ){0,3}(?:continu\w+|raging|going on|under ?way|ongoing) (?:in|for|at|around|near)"
    r"|advanc(?:ed|ing|es) (?:on|toward|towards|into)|closing in on|on the (?:outskirts|edge) of"
)

# ---------------------------------------------------------------------------------------- troop movement
_CROSS = (
    r"fled|flee(?:s|ing)?|escap(?:ed|es|ing)|crossed|cross(?:es|ing)?|retreat(?:ed|ing|s)?|withdr(?:ew|awn|awing)"
    r"|s(?:ought|eek|eeking|eeks) (?:refuge|shelter|asylum)|t(?:ook|aking|ake) refuge|enter(?:ed|ing|s)|arriv(?:ed|ing|e)"
    r"|fl(?:ew|own|ying) (?:themselves )?(?:in)?to|land(?:ed|ing) (?:in|at)|infiltrat(?:ed|ing|e)|slipp(?:ed|ing) (?:in)?to"
    r"|moved (?:in)?to|made (?:their|its) way|allowed (?:\w+ ){0,6}to (?:enter|cross)|spilled (?:over|into)|exodus"
    r"|violat(?:ed|ing|ors of) the (?:state )?border|(?:leav(?:e|es|ing)|left|head(?:ed|ing|s)?|set off|departed) (?:for|to|into|towards?)"
    r"|(?:went|go(?:es|ing)?|gone|mov(?:e|es|ing)|walked|swam|waded) (?:in)?to"
)
_ABROAD = (
    rf"(?:(?:in)?to|across|over|toward|towards|in|onto|at)\s+(?:the\s+)?(?:neighbou?ring\s+|nearby\s+|former Soviet\s+)?"
    rf"(?:(?:{COUNTRIES_ABROAD})(?:\b|'s)(?:\s+(?:territory|side|soil|border))?|territory of (?:neighbou?ring )?\w+"
    rf"|(?:\w+[- ])?(?:state )?border|frontier|neighbou?ring (?:country|countries|state))"
    rf"|the (?:\w+[- ])?(?:state )?border(?! with)|cross-border|the Amu Darya|the Panj river"
)
_RETURN = (
    r"(?<!in )return(?:ed|ing|s)? (?!fire|for\b)|sen(?:t|d|ds|ding) (?:[\w,'’-]+ ){0,6}?back\b|repatriat(?:ed|es|ing|ion of)|handed (?:back|over) (?=\d|(?:\w+ ){0,3}(?:soldiers|troops|servicemen|personnel|guards|fighters|militants))"
    r"|deport(?:ed|s|ing)|extradit(?:ed|es|ing)|flown back|transferred back|allowed (?:\w+ ){0,5}to return|brought back"
)
_DEPLOY = (
    r"(?:re)?deploy(?:ed|s|ing|ment)?|dispatch(?:ed|es|ing)?|sen(?:t|d|ds|ding) (?:in )?(?:more |additional |extra |fresh |new )?(?:\d[\d,]* )?(?:troops|forces|soldiers|reinforcements|units|servicemen|border guards|commandos|special forces|fighters|militants|contingents?)"
    r"|reinforc(?:ed|ing|ements?)|back-?up forces|bolster(?:ed|ing|s)? (?:its |their |the )?(?:border|presence|forces|troops|defen[cs]es|garrison)"
    r"|(?:moved|moving|rushed|airlift(?:ed|ing)|fl(?:own|ying|ew)|transferr?(?:ed|ing)|redirected|sent|sending) (?:\w+ ){0,5}?(?:to|into|towards?)\b"
    r"|massed|amass(?:ed|ing)|concentrat(?:ed|ing|ion of)|build-?up|buildup|accumulation of|pour(?:ed|ing) in"
    r"|strengthen(?:ed|ing|s)? (?:its |their |the )?(?:border (?:forces|troops|guard|presence)|military presence|garrison)"
)
_MOBILISE = (
    r"mobili[sz](?:ed|es|ing|ation)|call(?:ed|s|ing)? up (?:\w+ )?(?:reservists|reserves|conscripts)|call-?up of"
    r"|reservists (?:were |have been )?(?:called|summoned)"
)
_EXERCISE = (
    r"(?:military |joint |tactical |command(?:-and-| and |-)staff |counter-?terror(?:ist|ism)? |anti-?terror(?:ist)? |live-fire |large-scale |combat |snap |field )?(?:exercises?|drills?)"
    r"|war ?games?|manoeuvres?|maneuvers?"
)
_ALERT = (
    r"(?:high|full|heightened|maximum|increased|highest|elevated|combat|red) (?:state of )?(?:level of )?(?:alert|readiness|combat readiness|preparedness)"
    r"|on (?:high |full )?alert|(?:put|placed|kept) (?:\w+ ){0,6}on (?:\w+ )?alert|state of (?:alert|emergency)|alert (?:mode|status|level)"
    r"|combat[- ]ready|readiness check|snap (?:inspection|check)|(?:enhanced|reinforced|strengthened) (?:border )?(?:regime|security regime|guard)"
)
_SURRENDER = (
    r"surrender(?:ed|s|ing)?(?! (?:the |their |a |its |his |several |all )?(?:\w+ )?(?:district|city|town|base|posts?|outposts?|positions?|checkpoints?|headquarters|border|crossing))"
    r"|laid down (?:their |its )?(?:arms|weapons)|lay(?:ing)? down (?:their )?(?:arms|weapons)|gave themselves up|turned themselves in"
)
_DEFECT = (
    r"defect(?:ed|s|ing|ion)?|switch(?:ed|es|ing)? sides|(?:join(?:ed|s|ing)?|went over to|gone over to) (?:the )?(?:ranks of (?:the )?)?(?:Taliban|Mujahideen|militants|insurgents|Islamic State|ISIS|IS|rebels|resistance|NRF|enemy)"
    r"|pledg(?:ed|es|ing) (?:their |his )?allegiance"
)
_WITHDRAW = (
    r"withdr(?:ew|awn|awing|aws|aw|awal)|pull(?:ed|ing|s)? (?:out|back)|pull-?out|retreat(?:ed|ing|s)?|fled|flee(?:ing)?"
    r"|abandon(?:ed|ing)|evacuat(?:ed|ing)|left (?:the |their )?(?:district|city|area|base|posts?|positions?|town|airport)"
)
_REFUGEE = r"fled|flee(?:s|ing)?|crossed|cross(?:es|ing)?|sought (?:refuge|shelter|asylum)|arriv(?:ed|ing)|streamed|poured|exodus|influx"

RULES = [
    # territorial -------------------------------------------------------------------------------------------
    Rule("en.territorial.retaken", "territorial", "retaken", rx(rf"\b(?:{_RETAKE})"), frozenset({"placeish"}), 0.85),
    Rule("en.territorial.control_claim", "territorial", "control_claim", rx(rf"\b(?:{_CLAIM})"), frozenset(), 0.75),
    Rule("en.territorial.captured", "territorial", "captured", rx(rf"\b(?:{_CAPTURE})"), frozenset({"placeish"}), 0.85,
         state_subtype="retaken"),
    Rule("en.territorial.handed_over", "territorial", "handed_over", rx(rf"\b(?:{_HANDOVER})"), frozenset({"placeish"}), 0.75),
    Rule("en.territorial.contested", "territorial", "contested", rx(rf"\b(?:{_CONTEST})"), frozenset({"named_place"}), 0.55),
    Rule("en.territorial.held", "territorial", "control_claim", rx(rf"\b(?:{_HELD})"), frozenset({"named_place", "holder"}),
         0.7),
    Rule("en.territorial.advance", "territorial", "contested", rx(rf"\b(?:{_ADVANCE})"),
         frozenset({"named_place", "group_before"}), 0.55),
    # troop movement ----------------------------------------------------------------------------------------
    Rule("en.troops.crossed_border", "troop_movement", "crossed_border", rx(rf"\b(?:{_CROSS})"),
         frozenset({"personnel", "abroad"}), 0.85, before=120, after=80),
    Rule("en.troops.refugees_crossing", "troop_movement", "refugees_crossing", rx(rf"\b(?:{_REFUGEE})"),
         frozenset({"civilians", "abroad", "fighting"}), 0.6, before=80, after=80),
    Rule("en.troops.returned", "troop_movement", "returned", rx(rf"\b(?:{_RETURN})"), frozenset({"personnel"}), 0.85,
         before=100, after=100),
    Rule("en.troops.deployed", "troop_movement", "deployed", rx(rf"\b(?:{_DEPLOY})"), frozenset({"personnel", "region"}), 0.7,
         before=80, after=100),
    Rule("en.troops.mobilised", "troop_movement", "mobilised", rx(rf"\b(?:{_MOBILISE})"), frozenset({"personnel", "region"}), 0.8),
    Rule("en.troops.exercise", "troop_movement", "exercise", rx(rf"\b(?:{_EXERCISE})\b"), frozenset({"military", "region"}), 0.8,
         before=200, after=200),
    Rule("en.troops.alert", "troop_movement", "alert", rx(rf"\b(?:{_ALERT})"), frozenset({"personnel", "region"}), 0.8,
         before=150, after=150),
    Rule("en.troops.surrendered", "troop_movement", "surrendered", rx(rf"\b(?:{_SURRENDER})"), frozenset({"personnel"}), 0.75,
         before=80, after=40),
    Rule("en.troops.defected", "troop_movement", "defected", rx(rf"\b(?:{_DEFECT})"), frozenset({"personnel"}), 0.7,
         before=120, after=40),
    Rule("en.troops.withdrawal", "troop_movement", "withdrawal", rx(rf"\b(?:{_WITHDRAW})"), frozenset({"personnel", "local"}), 0.65,
         before=80, after=60),
]

# word prefixes each rule's trigger can start with: a cheap gate before the regex decides
_STEMS = {
    "captured": ("captur", "seiz", "overr", "over-ran", "took", "take", "tak", "gain", "wrest", "fell", "fall", "collaps",
                 "succumb", "lost", "control", "conquer", "swept", "sweep", "storm", "occup", "plant", "hoist", "raised", "invad", "enter",
                 "pushed"),
    "retaken": ("recaptur", "retak", "retook", "re-took", "regain", "re-gain", "took", "take", "tak", "reclaim", "recover",
                "liberat", "clear", "back", "pushed", "won", "re-establish", "reestablish", "restor"),
    "handed_over": ("hand", "surrender", "without", "abandon", "negotiat", "transfer", "peaceful"),
    "control_claim": ("control", "hold", "held", "seiz", "captur", "under", "hands"),
    "contested": ("battl", "fight", "besieg", "siege", "encircl", "clash", "advanc", "closing", "outskirts", "edge"),
    "crossed_border": ("fled", "flee", "escap", "cross", "retreat", "withdr", "sought", "seek", "took", "taking", "take",
                       "enter", "arriv", "flew", "flown", "fly", "land", "infiltrat", "slipp", "moved", "made", "allowed",
                       "spill", "exodus", "violat", "leav", "left", "head", "set", "depart", "went", "go", "goes", "going",
                       "gone", "mov", "walked", "swam", "waded"),
    "refugees_crossing": ("fled", "flee", "cross", "sought", "arriv", "stream", "pour", "exodus", "influx"),
    "returned": ("return", "sent", "send", "repatriat", "hand", "deport", "extradit", "flown", "transfer", "allowed",
                 "brought"),
    "deployed": ("deploy", "redeploy", "dispatch", "sent", "send", "reinforc", "back-up", "backup", "bolster", "moved",
                 "moving", "rushed", "airlift", "flown", "flying", "flew", "transfer", "redirect", "mass", "amass", "concentrat", "build", "accumulation", "pour",
                 "strengthen"),
    "mobilised": ("mobilis", "mobiliz", "call", "reservist"),
    "exercise": ("exercis", "drill", "war", "wargame", "manoeuv", "maneuv"),
    "alert": ("alert", "readiness", "ready", "preparedness", "emergency", "snap", "regime", "guard", "combat-ready"),
    "surrendered": ("surrender", "laid", "lay", "gave", "turned"),
    "defected": ("defect", "switch", "join", "went", "gone", "pledg"),
    "withdrawal": ("withdr", "pull", "retreat", "fled", "flee", "abandon", "evacuat", "left"),
}
# rules whose trigger words are not those of their subtype
_RULE_STEMS = {"en.territorial.held": ("controlled", "held", "hands"), "en.territorial.advance": ("advance", "gains")}
RULES = [replace(r, stems=StemSet(_RULE_STEMS.get(r.name, _STEMS[r.subtype]))) for r in RULES]

_ALL_TRIGGERS = "|".join(f"(?:{p})" for p in (_CAPTURE, _RETAKE, _HANDOVER, _CLAIM, _CONTEST, _CROSS, _RETURN, _DEPLOY,
                                                 _MOBILISE, _EXERCISE, _ALERT, _SURRENDER, _DEFECT, _WITHDRAW))

_GATE = StemSet(sorted({st for group in _STEMS.values() for st in group if len(st) >= 3}))
_SECURITY = StemSet(
    ("soldier", "troop", "militar", "army", "armies", "armed", "guards", "militant", "insurgen", "fighters", "terror",
     "extremis", "jihad", "attack", "clash", "fighting", "offensive", "captur", "seiz", "overr", "checkpoint", "outpost",
     "drill", "wargame", "manoeuvr", "maneuver", "weapon", "ammunition", "airstrike", "bomb", "explosion", "suicide",
     "csto", "isis", "isil", "iskp", "daesh", "qaeda", "gunmen", "ambush", "incursion", "infiltrat", "combat", "servicem",
     "reinforcement", "mobiliz", "mobilis", "defence", "defense", "warfare", "battle", "rebel", "commando", "smuggl",
     "trafficking", "paratroop", "artillery", "mortar", "rocket", "missile", "garrison", "militia", "mujahideen",
     "police", "defect", "surrender", "insurgent"),
    ("war", "wars", "forces", "isis-k", "is-k", "ied", "ieds"))
_OTHER = StemSet(
    ("ukrain", "kyiv", "kiev", "donbas", "donetsk", "luhansk", "crimea", "kursk", "syria", "damascus", "idlib", "aleppo",
     "iraq", "baghdad", "mosul", "kurd", "yemen", "houthi", "armeni", "azerbaij", "azeri", "karabakh", "yerevan", "pashin",
     "aliyev", "belarus", "minsk", "lukashenk", "sahel", "burkina", "sudan", "libya", "myanmar", "israel", "hamas",
     "hezbollah", "leban", "kashmir", "ladakh", "doklam", "bhutan", "somali", "nigeria", "ethiopia", "taiwan", "korea",
     "venezuel", "abkhaz", "serbia", "kosovo"),
    ("baku", "mali", "niger", "chad", "gaza", "georgia", "wagner", "houthis"))
_NONSEC = StemSet(
    ("earthquake", "quake", "tremor", "magnitude", "aftershock", "flood", "landslide", "avalanche", "drought", "hydropower",
     "electricity", "investment", "investor", "financ", "visa", "tourism", "tourist", "football", "soccer", "cricket",
     "tournament", "championship", "olympic", "concert", "festival", "nobel", "inflation", "export", "import", "railway",
     "pipeline", "wheat", "harvest", "vaccin", "covid", "polio", "universit", "rubble", "donor", "unicef", "economy",
     "economic", "budget", "somoni", "rescue", "trophy", "stadium", "spectator", "league", "striker", "goalkeeper",
     "midfield", "penalt", "semi-final", "quarter-final"),
    ("hpp", "gdp", "loan", "loans", "film", "films", "prize", "relief", "wfp", "cup", "club", "coach", "fans",
     "match", "matches", "sport", "sports", "athlete", "athletes"))

LEXICON = Lexicon(
    lang="en",
    rules=RULES,
    gate=rx(rf"\b(?:{_ALL_TRIGGERS})"),
    personnel=rx(rf"\b(?:{PERSONNEL})\b|\b(?:of them|they)\b"),
    civilians=rx(rf"\b(?:{CIVILIANS})\b"),
    place_type=rx(rf"\b(?:{PLACE_TYPE})\b"),
    abroad=rx(rf"\s*(?:\w+\s+){{0,6}}?(?:{_ABROAD})"),
    military=rx(r"\b(?:military|troops|forces|army|armed|soldiers|servicemen|personnel|CSTO|counter-?terror\w*|anti-?terror\w*"
                r"|tactical|combat|live-fire|border guards?|units|battalion|brigade|contingents?|war ?games|drills|manoeuvres|maneuvers"
                r"|defen[cs]e ministry|ministry of defen[cs]e|201st|rapid reaction|special forces|air force|militants)\b"),
    background=rx(
        r"\bsince\b(?:\s+\w+){0,6}?\s+(?:took|seized|captured|came|returned|regained|swept|takeover|seizure|capture|fall|rise|retook)"
        r"|\b(?:seiz|t[oa]ok|tak|came|come|return|sweep|swept|rose|regain|grab|assum)\w*\s+(?:back\s+)?(?:to\s+|back\s+to\s+)?(?:power|control of (?:the country|Afghanistan|Kabul in 2021))"
        r"|\btakeover\b|\btook over (?:the country|Afghanistan)|\bseizure of power|\breturn(?:ed)? to power|\bcame to power"
        r"|\b(?:previously|formerly|in the past|last time|the last time|back in|years ago|decades? ago|in the 1990s|during the 1990s"
        r"|historically|used to|at the time|prior to|in the previous (?:decades?|years|regime|government|era|war|conflict|century)|earlier in the (?:war|conflict)|last (?:month|year|summer|winter|spring|autumn)"
        r"|earlier this year|months ago|in recent years)\b"
        r"|\bsince (?:late |early |mid-?)?(?:(?:January|February|March|April|May|June|July|August|September|October|November|December) )?(?:19|20)\d\d\b"
    ),
    negation=rx(r"\b(?:not|never|no|n't|nor|yet to|failed to|unable to|cannot|couldn't|could not|without being|lack of|absence of|instead of)\s+(?:\w+\s+){0,3}$"),
    denial=rx(r"\b(?:denied|denies|deny|rejected|dismissed|refuted|false|fake|baseless|untrue|rumou?rs?)\b"),
    modal=rx(
        r"\b(?:would|could|might|may|can|should|threaten(?:s|ed|ing)? to|plan(?:s|ned|ning)? to|aim(?:s|ed|ing)? to|intend(?:s|ed)? to"
        r"|seek(?:s|ing)? to|sought to|attempt(?:s|ed|ing)? to|tr(?:y|ies|ied|ying) to|want(?:s|ed)? to|vow(?:s|ed)? to|fear(?:s|ed)?"
        r"|risk(?:s|ed)?|if|unless|whether|possible|possibility|potential(?:ly)?|prevent(?:s|ed|ing)?|in case|in the event|ready to"
        r"|call(?:s|ed|ing)? on|urg(?:e|ed|es|ing)|demand(?:s|ed|ing)?|warn(?:s|ed|ing)?|talks? (?:on|about)|negotiat\w+ (?:on|about|over)"
        r"|expected to|likely to|about to|hop(?:e|es|ed) to|scenario|imagine|hypothetical)\b[^.;]*$"
    ),
    repelled=rx(
        r"\b(?:repel(?:led|s|ling)?|repuls(?:ed|es|ing)|thwart(?:ed|s|ing)?|foil(?:ed|s|ing)?|beat(?:en)? back|pushed back|fought off"
        r"|fend(?:ed)? off|warded off|failed (?:attempt|bid|assault)|unsuccessful|(?:attempt|bid|effort)s? (?:by \w+(?: \w+)? )?to (?:capture|seize|take|overrun|cross|infiltrate)"
        r"|tried to (?:capture|seize|take|overrun|cross|infiltrate)|prevented|stopped (?:an?|the) (?:attempt|attack|incursion|infiltration))\b"
    ),
    drill=rx(r"\b(?:exercises?|drills?|war ?games?|manoeuvres?|maneuvers?|training|trainings|rehears\w+|practi[cs](?:e|ed|ing))\b"),
    drill_scenario=rx(r"\b(?:scenario|mock|notional|simulat(?:ed|ing|ion)|conditional|imaginary|hypothetical|legend|dummy|would-be enemy|enemy'?s? forward|role of (?:the )?(?:enemy|militants))\b"),
    outside_region=rx(
        r"\b(?:in Russia|Russian territory|Russia'?s (?:Rostov|Orenburg|Chelyabinsk|Pskov|Moscow|Southern|Western|Eastern)|Rostov|Orenburg|Chelyabinsk|Chebarkul"
        r"|Pskov|Moscow region|Leningrad|Kaliningrad|Crimea|Donguz|Mulino|Ryazan|Belarus(?:ian)?|Brest|Armenia(?:n)?|Azerbaijan\w*"
        r"|Ukrain\w*|Syria\w*|Iraq\w*|Yemen\w*|Libya\w*|Mali\b|Sahel|Niger\b|Burkina|Myanmar|Gaza|Israel\w*|Lebanon|Karabakh|Sudan\w*"
        r"|Kashmir|Ladakh|Doklam|Bhutan|Red Sea|Houthi\w*|Kurd\w*|Idlib|Aleppo|Donbas\w*|Kursk|Belgorod|Georgia|Abkhazia|Serbia|Kosovo)\b"
    ),
    foreign_forces=rx(r"\b(?:U\.S\.|US|United States|American|NATO|Western|coalition|foreign|international|allied|British|German)(?:-led)?\s+(?:\w+\s+)?(?:troops|forces|soldiers|military|pullout|withdrawal|mission)|\bwithdrawal of (?:the )?(?:U\.S\.|US|American|NATO|foreign|international|Western)|\b(?:U\.S\.|US|NATO)\b"),
    shelling=rx(r"\b(?:shell(?:s|ing|ed)?|mortars?|rockets?|artillery|gunfire|bullets?|projectiles?|missiles?|rounds|stray|fired|firing|shots|drones?|grenades?)\b"),
    reference=rx(
        r"(?:\bfrom|\bwith|\bnear|\bclose to|\bnext to|\btowards?|\bopposite|\bbordering|\bborders?(?: with)?|\bneighbou?ring|\baway from|\bkm from|\bmiles from"
        r"|\boutskirts of|\bbeyond|\bwhich borders|\bfacing|\bacross from|\bthe road to|\bhighway to|\bvia|\bin the direction of"
        r"|\bsouth of|\bnorth of|\beast of|\bwest of|\bon the way to|\bsources? in|\bofficials? in|\bspeaking in|\breporters in|\bsaid in|\bnews agency in"
        r"|\b(?:leadership|government|authorities|rulers|regime|administration|embassy|envoy|ambassador|delegation|talks|summit|meeting|conference|briefing) (?:in|of)|\bresidents of)\s+(?:the\s+)?(?:\w+\s+){0,1}$"
    ),
    region_words=rx(
        r"\b(?:Tajik|Uzbek|Turkmen|Kyrgyz|Afghan|Kazakh)(?:istan)?(?:[- ]|–)(?:Afghan|Tajik|Uzbek|Turkmen|Kyrgyz|Chinese|Iranian)(?:istan)?\s+border"
        r"|\bborder (?:with|between) (?:Afghanistan|Tajikistan|Uzbekistan|Turkmenistan|Kyrgyzstan)"
        r"|\b(?:in|into|to|near|across|on|along)\s+(?:the\s+)?(?:north(?:ern)?\s+|south(?:ern)?\s+)?(?:Afghanistan|Tajikistan|Uzbekistan|Turkmenistan|Kyrgyzstan|Kazakhstan|Central Asia)\b"
        r"|\bAfghan border|\bsouthern (?:borders|frontiers?)\b|\bAmu Darya|\bPanj\b|\bPamir\w*|\bFerghana|\bFergana|\bBatken|\bWakhan|\bBadakhshan"
    ),
    claimant=rx(
        r"(?P<c>(?:(?:the\s+)?(?:[A-Z][\w'’.-]*\s+){0,4}(?:spokes(?:man|woman|person)|officials?|ministry|governor|council(?:lor| member)?s?|police chief"
        r"|commander|source|sources|statement|agency|committee|prosecutor'?s? office|service|ministers?|president|lawmaker|MP)"
        r"(?:\s+(?:for|of)\s+(?:the\s+)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3})?(?:,?\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3})?))"
        r"\s*,?\s+(?:said|says|told|claimed|confirmed|announced|reported|stated|added)"
        r"|(?:according to|citing|quoted)\s+(?P<c2>(?:the\s+)?(?:[A-Z][\w'’.-]*\s+){0,5}[\w'’.-]+(?:\s+[A-Z][\w'’-]+){0,4})"
        r"|(?:said|says|told|claimed|confirmed|announced)\s+(?P<c3>(?:the\s+)?(?:[A-Z][\w'’-]*\s+){0,3}(?:spokes(?:man|woman|person)|official|governor|commander|ministry)(?:\s+[A-Z][\w'’-]+){0,3})"
    ),
    clause_break=rx(r"[;:]|,\s+(?:but|while|whereas|although|though|as|after|before|since|when|which|where|who)\b|\s[–—-]\s|\s\(|\bbut\b|\bwhile\b|\bas (?:they|the|it|he|she|we)\b"),
    region_anchor=rx(
        r"\b(?:Afghan(?:istan)?\w*|Taliban\w*|Taleban|Kabul|Tajik(?:istan)?\w*|Uzbek(?:istan)?\w*|Turkmen(?:istan)?\w*|Kyrgyz(?:stan)?\w*"
        r"|Kazakh(?:stan)?\w*|Central Asia\w*|Dushanbe|Tashkent|Ashgabat|Bishkek|Termez|Khorog|Kunduz|Badakhshan|Balkh|Takhar|Jowzjan|Jawzjan"
        r"|Faryab|Herat|Mazar\w*|Panjshir|Wakhan|Pamir\w*|Amu Darya|Ferghana|Fergana|Batken|Khatlon|Surkhandarya|Lebap|ISIS-K|ISKP|Khorasan"
        r"|201st)\b"
    ),
    security=rx(
        r"\b(?:soldiers?|troops?|military|army|armed forces|security forces|border (?:guards?|troops|security|forces|protection|incidents?|clash\w*|tensions?|posts?|outposts?)"
        r"|militants?|insurgen\w+|fighters|terror\w*|extremis\w*|jihad\w*|attacks?|attacked|clash\w*|fighting|offensive|captur\w+|seiz\w+|overr[au]n\w*"
        r"|checkpoints?|outposts?|drills?|war ?games|manoeuvres|maneuvers|weapons?|ammunition|airstrikes?|air strikes?|bomb\w*|explosions?|suicide"
        r"|security (?:situation|threat|council|services|forces|cooperation)|national security|collective security|CSTO|ISIS|Islamic State|Daesh|al-Qaeda"
        r"|gunmen|ambush\w*|incursions?|infiltrat\w+|combat|servicemen|reinforcements|mobili[sz]\w+|high alert|defen[cs]e ministry|ministry of defen[cs]e"
        r"|war|warfare|battles?|killed in|casualties among|drug trafficking|smuggl\w+|armed|rebels?|commandos?|special forces|201st)\b"
    ),
    other_region=rx(
        r"\b(?:Ukrain\w*|Kyiv|Kiev|Donbas\w*|Donetsk|Luhansk|Crimea|Kursk|Syria\w*|Damascus|Idlib|Aleppo|Iraq\w*|Baghdad|Mosul|Kurd\w*|Yemen\w*"
        r"|Houthi\w*|Red Sea|Bab al-Mandab|Armenia\w*|Azerbaijan\w*|Karabakh|Yerevan|Baku|Pashin\w+|Aliyev|Belarus\w*|Minsk|Lukashenko|Sahel"
        r"|Mali|Niger|Burkina\w*|Chad|Sudan\w*|Libya\w*|Myanmar|Gaza|Israel\w*|Hamas|Hezbollah|Lebanon|Kashmir|Ladakh|Doklam|Bhutan"
        r"|Somalia\w*|Nigeria\w*|Ethiopia\w*|Taiwan\w*|Korea\w*|Venezuela\w*|Georgia|Abkhazia|Serbia\w*|Kosovo|Wagner)\b"
    ),
    non_security=rx(
        r"\b(?:earthquakes?|quakes?|tremors?|magnitude|aftershocks?|floods?|flooding|landslides?|avalanches?|drought|hydropower|HPP|power plant"
        r"|electricity|energy security|investment|investors|financing|loans?|fund for development|visas?|visa-free|tourism|tourists?|football|soccer"
        r"|cricket|tournament|championship|olympic\w*|concert|festival|film|Nobel|prize|GDP|inflation|exports?|imports?|trade turnover|railway"
        r"|pipeline|wheat|harvest|vaccin\w+|covid|polio|girls'? (?:schools?|education)|universit(?:y|ies)|rescue (?:teams?|operations?)|rubble"
        r"|death toll|humanitarian (?:aid|assistance)|relief|donors?|UNICEF|WFP|WHO|World Health Organization|economy|economic|budget|somoni"
        r"|troph(?:y|ies)|stadium|spectators?|league|strikers?|goalkeepers?|midfield\w*|penalt(?:y|ies)|semi-finals?|quarter-finals?"
        r"|cup|club|coach|fans|match|matches|sports?|athletes?)\b"
    ),
    attack=rx(
        r"\b(?:attack(?:ed|s|ing)?|clash(?:ed|es|ing)?|ambush(?:ed|es)?|shell(?:ed|ing)|bomb(?:ing|ed|s)?|suicide (?:attack|bomb\w*)|explosions?|blasts?"
        r"|firefights?|gun ?battles?|raid(?:s|ed)?|air ?strikes?|killed|skirmish\w*|exchange of fire|opened fire|fired (?:on|at|upon)|assault\w*)\b"
    ),
    cooperation=rx(
        r"\b(?:consultations?|agreement|agreed|signed|memorandum|cooperat\w+|joint (?:efforts?|patrols?|programme|program)|talks|met with|meeting"
        r"|summit|assistance to|aid to|donat\w+|handed over (?:equipment|vehicles|weapons)|strengthen(?:ing)? (?:the )?(?:\w+ )?(?:border|frontier)s?"
        r"|intergovernmental program\w*|partnership|allies|bilateral)\b"
    ),
    threat=rx(
        r"\b(?:threats?|threaten\w*|concern\w*|warn\w*|risks?|dangers?|dangerous|instability|spill ?over|spillover|destabili[sz]\w+|fears?|feared"
        r"|worr\w+|alarm\w*|vulnerab\w+|probability|escalat\w+|boosting its presence|growing presence|build-?up)\b"
    ),
    statement=rx(r"\b(?:said|says|stated|told|announced|declared|stressed|noted|added|according to)\b"),
    place_stop=rx(
        r"\b(?:after|following|amid|because|since|when|while|whereas|which|who|whose|follow(?:s|ed|ing)?|come as|comes as|came as"
        r"|due to|in response to|said|says|told|according to|to escape|escaping|fleeing)\b|[;(]|\s[–—]\s"
    ),
    relative_past=rx(
        r"\b(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few|some|a few|nearly a|almost a|about a)"
        r"\s+(?:days?|weeks?|months?|years?|hours?|nights?)\s+(?:after|since)\s+(?:[\w'’-]+\s+){0,8}$"
    ),
    non_place_object=rx(
        r"\s*(?:(?:the|their|its|his|her|a|an|another|first|second|third|\w+'s|large|huge|big|illegal|\d[\d,.]*|several|dozens of|hundreds of)\s+)*"
        r"(?:[A-Z][\w-]*\s+)?(?:cup|title|trophy|crown|championships?|medals?|gold|silver|bronze|prizes?|awards?|votes?|seats?|markets?|share"
        r"|imagination|attention|headlines|records?|lead|victory|win|points?|goals?|matches|momentum|initiative|power|spotlight"
        r"|weapons?|arms|drugs|heroin|opium|hashish|narcotics|ammunition|munitions|explosives|cache|caches|vehicles?|cars?|trucks?|goods"
        r"|cargo|contraband|suspects?|prisoners?|hostages?|documents?|(?:tons?|tonnes?|kg|kilograms?|kilos?) of)\b"
    ),
    not_place_after=rx(r"\s*(?:[-‑]based\b|river\b|River\b|valley\b|Valley\b|highway\b|Highway\b|[Rr]oad\b|[Ss]treet\b|[Hh]otel\b"
                       r"|[Uu]niversity\b|[Ss]tadium\b|FC\b|[Cc]lub\b|'s (?:team|club|players|fans)"
                       r"|\s(?:Wire|News|Times|Post|Agency|Radio|TV|Television|Daily|Tribune|Press|Herald|Observer|Monitor|Dispatch|Online|Today|Pajhwok)\b)"),
    destination_before=rx(r"\b(?:to|towards?|into|via|through|at|in|reach(?:ed|ing)?|arriv\w+ in|near|along)\s+(?:the\s+)?(?:\w+\s+){0,1}$"),
    state_subject=rx(r"\W*(?:(?:The|the|On|on|\w+day|Meanwhile|Neighbouring|Neighboring|neighbouring|neighboring)\s+)*"
                     r"(Tajikistan|Uzbekistan|Turkmenistan|Kyrgyzstan|Kazakhstan|Russia|Dushanbe|Tashkent|Ashgabat|Bishkek|Moscow|Astana)(?:'s\b|\b(?!-))"),
    cue_gates={
        "outside_region": StemSet(
            ("russia", "rostov", "orenburg", "chelyabinsk", "chebarkul", "pskov", "moscow", "leningrad", "kaliningrad",
             "crimea", "donguz", "mulino", "ryazan", "belarus", "brest", "armenia", "azerbaijan", "ukrain", "syria",
             "iraq", "yemen", "libya", "sahel", "burkina", "myanmar", "gaza", "israel", "lebanon", "karabakh", "sudan",
             "kashmir", "ladakh", "doklam", "bhutan", "houthi", "kurd", "idlib", "aleppo", "donbas", "kursk", "belgorod",
             "georgia", "abkhazia", "serbia", "kosovo"),
            ("mali", "niger", "red")),
        "drill_scenario": StemSet(("scenario", "mock", "notional", "simulat", "conditional", "imaginar", "hypothetical",
                                   "legend", "dummy", "would-be", "enemy", "role")),
        "repelled": StemSet(("repel", "repuls", "thwart", "foil", "beat", "pushed", "fought", "fend", "warded", "failed",
                             "unsuccessful", "attempt", "bid", "effort", "tried", "prevented", "stopped")),
    },
    gate_vocab=_GATE,
    rule_map=StemMap({r.name: _RULE_STEMS.get(r.name, _STEMS[r.subtype]) for r in RULES}),
    region_vocab=StemSet(
        ("afghan", "taliban", "taleban", "tajik", "uzbek", "turkmen", "kyrgyz", "kazakh", "pamir", "mazar", "khorasan"),
        ("kabul", "dushanbe", "tashkent", "ashgabat", "bishkek", "termez", "khorog", "kunduz", "badakhshan", "balkh",
         "takhar", "jowzjan", "jawzjan", "faryab", "herat", "panjshir", "wakhan", "ferghana", "fergana", "batken",
         "khatlon", "surkhandarya", "lebap", "isis-k", "iskp", "darya")),
    drill_vocab=StemSet(("exercis", "drill", "war", "wargame", "manoeuv", "maneuv", "training", "rehears", "practi")),
    attack_vocab=StemSet(("attack", "clash", "ambush", "shell", "bomb", "suicide", "explosion", "blast", "firefight",
                          "gun", "raid", "air", "airstrike", "killed", "skirmish", "exchange", "opened", "fired", "assault")),
    cooperation_vocab=StemSet(("consultation", "agreement", "agreed", "signed", "memorandum", "cooperat", "joint", "talks",
                               "met", "meeting", "summit", "assistance", "aid", "donat", "handed", "strengthen",
                               "intergovernmental", "partnership", "allies", "bilateral")),
    threat_vocab=StemSet(("threat", "concern", "warn", "risk", "danger", "instabil", "spill", "destabili", "fear", "worr",
                          "alarm", "vulnerab", "probabil", "escalat", "boosting", "growing", "build")),
    security_vocab=_SECURITY,
    other_vocab=_OTHER,
    nonsec_vocab=_NONSEC,
)
