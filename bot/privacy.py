"""Removing personal data from text before it is stored, logged or shown in reports.

What is found is replaced by a label ("[phone]"):

- `[email]` e-mail addresses;
- `[iban]` IBANs, checked with their mod-97 checksum (python-stdnum), also written with spaces or
  dashes, and never beyond the account number ("IBAN BE71 0961 2345 6769 pour le CPAS");
- `[card]` payment card numbers (Luhn checksum);
- `[national-number]` Belgian national register and BIS numbers (python-stdnum `be.nn`/`be.bis`:
  85.07.30-033.28, 850730-033-28, 85073003328), also with a wrong check digit when written in the
  register's own format;
- `[document]` Ukrainian and other passports (two letters and six digits, Cyrillic or Latin, upper or
  lower case: МЕ 123456, КВ482913, fa765432), Belgian eID and residence card numbers (592-1234567-89,
  B 1234567 89), Ukrainian record numbers (19850301-01234);
- `[phone]` phone numbers (Google's libphonenumber through `phonenumbers`: Belgian and Ukrainian
  numbers written nationally, any number written internationally);
- `[name]` names after "my name is", "мене звати", "je m'appelle", "ik heet" and the like;
- `[address]` street addresses: after "I live at", "я живу на вулиці", "j'habite au", "mijn adres is"
  and the like, and streets with a house number in the four languages (Veldstraat 12, rue de la Loi 16,
  вул. Шевченка 5, 12 Main Street);
- `[birth-date]` dates next to born / né / geboren / народився / date of birth;
- `[number]` any other run of nine or more digits (case and card numbers).

Kept as typed: ordinary dates ("until 04.03.2027"), postcodes and places ("9000 Gent"), amounts,
ages and years: the assistant and the staff need them. Measured on a test set of personal data in the
four languages (tests/privacy/pii.yml; recall and false positives in the README).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Iterator, Optional

#: Regions whose nationally written phone numbers are recognised (international ones always are).
PHONE_REGIONS = ("BE", "UA")
#: libphonenumber's leniency, chosen on the test set (README, "Privacy"): VALID finds every number
#: of a real range without reading amounts as numbers; POSSIBLE only a few words after a word such as
#: "tel", "gsm", "call" or "номер". A match shaped like a date is never a phone number.
PHONE_LENIENCY = "VALID"
PHONE_CUE_LENIENCY = "POSSIBLE"


@dataclass(frozen=True)
class Finding:
    """A piece of personal data in a text: where, and its label."""

    start: int
    end: int
    label: str

    def overlaps(self, other: "Finding") -> bool:
        return self.start < other.end and other.start < self.end


# ------------------------------------------------------------------------------------ patterns

_L = r"[^\W\d_]"  # a letter, any script
_APOS = "'’ʼ`"
_WORD = rf"{_L}[\w{_APOS}-]*"
#: A further word of a street's name: not a word that starts what follows ("à Bruxelles", "in Gent").
#: A capitalised word (in any case-insensitive pattern): the further words of a street's name.
_CAP_WORD = rf"(?-i:[A-ZÀ-ÝА-ЯҐЄІЇ]){_WORD[len(_L):]}"
_NAME_WORD = rf"(?!(?:à|a|au|en|et|in|te|op|bij|near|and|or|в|у|на|біля|та|і|й|pour|voor|for)\b){_WORD}"
_MONTHS = (
    "january february march april may june july august september october november december "
    "janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre décembre decembre "
    "januari februari maart april mei juni juli augustus september oktober november december "
    "січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня "
    "січень лютий березень квітень травень червень липень серпень вересень жовтень листопад грудень "
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
).split()
_MONTH = "(?:" + "|".join(sorted({re.escape(m) for m in _MONTHS}, key=len, reverse=True)) + ")"
_DATE = (
    rf"(?:\d{{1,2}}[./-]\d{{1,2}}[./-](?:19|20)?\d{{2}}|(?:19|20)\d{{2}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}(?:er|st|nd|rd|th|-?го)?\s+{_MONTH}\s+(?:19|20)\d{{2}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}})"
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Two letters, two check digits, then the account in groups (spaces or dashes between groups).
_IBAN = re.compile(r"(?<![\w-])([A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]){8,32})", re.I)
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_NATIONAL = re.compile(r"(?<![\d.-])(\d{2})([.\s]?)(\d{2})\2(\d{2})([-.\s]?)(\d{3})([.\s-]?)(\d{2})(?![\d-])")
_NATIONAL_FORMAT = re.compile(r"^\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}$")
_PASSPORT = re.compile(r"(?<![\w-])([A-ZА-ЯҐЄІЇa-zа-яґєії]{2})(\s?№?\s?)(\d{6})(?![\d-])")
_PASSPORT_CUE = re.compile(r"(?:pass?port|paspoort|passeport|паспорт|документ|document)", re.I)
_DOCUMENTS = [
    re.compile(r"(?<![\d-])\d{3}[-.\s]\d{7}[-.\s]\d{2}(?![\d-])"),  # Belgian eID card: 592-1234567-89
    re.compile(r"(?<![\w-])[A-Z]\s?\d{7}\s?\d{2}(?![\d-])"),  # residence card: B 1234567 89
    re.compile(r"(?<![\w-])[A-Z]{1,2}\d{7,8}(?![\d-])"),  # other passports and cards
    re.compile(r"(?<![\d-])(?:19|20)\d{6}-\d{5}(?![\d-])"),  # Ukrainian record number (УНЗР)
]
_LONG_NUMBER = re.compile(r"(?<!\d)\d{9,}(?!\d)")

_BIRTH_CUE = re.compile(
    r"(?:\bborn\b|\bbirth\w*|date of birth|\bd\.?o\.?b\.?|\bnée?\b|naissance|geboren|geboorte\w*|"
    r"народ\w*|д\.\s?н\.|родил\w*|рождени\w*)",
    re.I,
)
_BIRTH_DATE = re.compile(rf"^[\s:,]*(?:(?:on|the|le|op|de|в|у|–|—|-)\s+)*({_DATE})", re.I)
_DATE_BEFORE_CUE = re.compile(rf"({_DATE})[\s,]*(?:р\.?\s*)?(?:н\.|народження|born)", re.I)

_NAME_CUES = [
    r"my (?:full |first |last |sur)?name is", r"my name's", r"i am called", r"i'm called", r"they call me",
    r"name\s*:", r"мене звати", r"мене звуть", r"звуть мене", r"звати мене", r"меня звать", r"моє (?:ім.я|прізвище|ім.я та прізвище)", r"мо[єе] им[яь]",
    r"меня зовут", r"моя фамилия", r"моє прізвище", r"прізвище\s*:", r"ім.я\s*:",
    r"je m.appelle", r"mon (?:pré)?nom (?:est|c.est)", r"mon nom de famille est", r"nom\s*:",
    r"ik heet", r"mijn (?:voor|achter)?naam is", r"naam\s*:",
]
_NAME_CUE = re.compile(r"(?:(?<=\W)|^)(?:" + "|".join(_NAME_CUES) + r")\s*[:—–-]?\s*", re.I)
_NAME_TOKEN = re.compile(rf"{_WORD}")
#: Words that end a name (or show that what follows "my name is" is not one).
_NOT_NAMES = set(
    """and or but i i'm am is are was from in at on to with my me and the a an not
    і й та а але я мене мені з із в у на до що як не це мій моя моє живу шукаю потрібна потрібно хочу
    и а но я меня мне из в на до что как не это
    et ou mais je moi de du des le la les un une à au en avec mon ma mes suis pas
    en of maar ik mij me van in op met de het een is ben niet mijn
    """.split()
)

_ADDRESS_CUES = [
    r"i live at", r"i live on", r"we live at", r"we live on", r"i'm staying at", r"i am staying at",
    r"my (?:home )?address is", r"address\s*:",
    r"я живу на", r"ми живемо на", r"живу на", r"живемо на", r"моя адреса\s*[:—–-]?", r"проживаю за адресою",
    r"мій адрес", r"адреса\s*:", r"я живу по", r"мой адрес",
    r"j.habite au", r"j.habite rue", r"j.habite avenue", r"j.habite chauss[ée]e", r"nous habitons au",
    r"mon adresse (?:est|c.est)", r"adresse\s*:",
    r"ik woon (?:in|op|aan) de", r"ik woon op", r"wij wonen (?:in|op|aan) de", r"mijn adres is", r"adres\s*:",
]
_ADDRESS_CUE = re.compile(r"(?:(?<=\W)|^)(?:" + "|".join(_ADDRESS_CUES) + r")\s*", re.I)
# What ends an address given after a cue: a sentence end, a comma before a postcode, "in <town>".
_ADDRESS_END = re.compile(
    r"[.?!;\n]|,?\s+\d{4}\s+\w|,\s*(?:in|à|a|в|у|te|near|біля)\b|\s+(?:in|à|в|у|te)\s+[A-ZА-ЯІЇЄ]|,\s+(?=[^\d])"
)

_NL_STREET = r"(?:straat|laan|steenweg|plein|lei|dreef|kaai|weg|markt|singel|vest|dijk|baan|kade|gracht|wegel)"
_FR_STREET = r"(?:rue|avenue|av\.|boulevard|bd|chaussée|chaussee|place|quai|chemin|allée|allee|impasse|square|drève|route|clos)"
# Street types that are also ordinary words ("une place pour 3"): the street's name must be capitalised.
_FR_STREET_STRONG = r"(?:rue|avenue|av\.|boulevard|bd|chaussée|chaussee|allée|allee|impasse|drève)"
_FR_STREET_WEAK = r"(?:place|quai|chemin|square|route|clos)"
_FR_ARTICLE = rf"(?:(?:de la|de l[{_APOS}]|des|du|de|d[{_APOS}]|la|le|les)\s*)?"
_UK_STREET = (
    r"(?:вул\.?|вулиця|вулиці|вулицю|вулицею|просп\.?|проспект\w*|пл\.?|площа|площі|бульв\.?|бульвар\w*|"
    r"пров\.?|провулок|провулку|ул\.?|улица|улице)"
)
_EN_STREET = r"(?:street|st\.|avenue|ave\.?|road|rd\.|lane|ln\.|boulevard|blvd\.?)"
_HOUSE = r"\d{1,4}(?:[a-zA-Zа-я](?![\w]))?(?:\s*(?:bus|bte|boîte|b\.|кв\.?|квартира|app\.?|apt\.?)\s*\d{1,4})?(?![\d])"
_STREETS = [
    # Veldstraat 12, Brusselsesteenweg 250 bus 3
    re.compile(rf"(?<![\w-])[\w{_APOS}-]*{_NL_STREET}\s+{_HOUSE}", re.I),
    # rue de la Loi 16, chaussée de Louvain 12, avenue Louise, 231 / Place (?-i:F)lagey 18
    re.compile(rf"(?<![\w-]){_FR_STREET_STRONG}\s+{_FR_ARTICLE}{_WORD}(?:\s+{_CAP_WORD}){{0,3}}?\s*,?\s*{_HOUSE}", re.I),
    re.compile(rf"(?<![\w-]){_FR_STREET_WEAK}\s+{_FR_ARTICLE}{_CAP_WORD}(?:\s+{_CAP_WORD}){{0,3}}?\s*,?\s*{_HOUSE}", re.I),
    # 16 rue de la Loi, 12 place Flagey
    re.compile(rf"(?<![\w-])\d{{1,4}}[a-z]?,?\s+{_FR_STREET}\s+{_FR_ARTICLE}{_WORD}(?:\s+{_NAME_WORD}){{0,2}}", re.I),
    re.compile(rf"(?<![\w-])chauss[ée]e\s+(?:de|d[{_APOS}])\s*{_WORD}", re.I),
    # вул. Шевченка 5, вулиця Лесі Українки, 12, кв. 4
    re.compile(rf"(?<![\w-]){_UK_STREET}\s*{_WORD}(?:\s+{_CAP_WORD}){{0,3}}?\s*,?\s*(?:буд\.?\s*)?{_HOUSE}", re.I),
    # 12 Main Street, 221b Baker Street
    re.compile(rf"(?<![\w-])\d{{1,4}}[a-zA-Z]?,?\s+(?:{_WORD}\s+){{1,3}}{_EN_STREET}(?!\w)", re.I),
]

_PHONE_CUE_WORDS = (
    r"(?:\btel\b|\btél\b|\bphone\w*|\bgsm\b|\bmobile\b|\bcall\w*|\bbel\w*|\bnummer\b|\bnuméro\b|\bnumero\b|"
    r"\bnumber\b|\bline\b|\blijn\b|\bligne\b|\bwhatsapp\b|\bviber\b|\bsms\b|\btext me\b|"
    r"телефон\w*|\bтел\b|номер\w*|мобільн\w*|дзвон\w*|подзвон\w*|зателефон\w*|вайбер\w*|вотсап\w*|лінія|лінії|"
    r"appel\w*|t[ée]l[ée]phone)"
)
#: A cue word at most a few words before the number.
_PHONE_CUE = re.compile(_PHONE_CUE_WORDS + r"(?:\W+\w+){0,3}\W*$", re.I)
_PHONE_CUE_ANYWHERE = re.compile(_PHONE_CUE_WORDS, re.I)


# ----------------------------------------------------------------------------------- detectors


def _valid_iban(candidate: str) -> bool:
    from stdnum import iban

    try:
        iban.validate(candidate, check_country=False)
        return True
    except Exception:  # noqa: BLE001 - stdnum raises its own ValidationError subclasses
        return False


def _ibans(text: str) -> Iterator[Finding]:
    for match in _IBAN.finditer(text):
        raw = match.group(1)
        # The longest prefix ending at a group boundary that is a valid IBAN: never the next words.
        ends = [m.end() for m in re.finditer(r"[A-Z0-9]+", raw, re.I)]
        found = False
        for end in sorted(ends, reverse=True):
            if _valid_iban(raw[:end]):
                yield Finding(match.start(1), match.start(1) + end, "[iban]")
                found = True
                break
        if found:
            continue
        # A mistyped IBAN is still personal data: as long as the country's IBANs, digits after the country.
        length = IBAN_LENGTHS.get(raw[:2].upper())
        compact = re.sub(r"[ -]", "", raw)
        if length and len(compact) >= length and compact[2:4].isdigit():
            count = 0
            for i, char in enumerate(raw):  # cut at the character that completes the country's length
                if char not in " -":
                    count += 1
                if count == length:
                    yield Finding(match.start(1), match.start(1) + i + 1, "[iban]")
                    break


#: IBAN lengths of the countries people here bank in (ISO 13616 registry).
IBAN_LENGTHS = {
    "BE": 16, "UA": 29, "NL": 18, "FR": 27, "DE": 22, "LU": 20, "PL": 28, "MD": 24, "RO": 24, "CZ": 24,
    "SK": 24, "HU": 28, "LT": 20, "LV": 21, "EE": 20, "AT": 20, "CH": 21, "IT": 27, "ES": 24, "PT": 25,
    "GB": 22, "IE": 22, "BG": 22, "GE": 22, "DK": 18, "SE": 24, "NO": 15, "FI": 18,
}


def _luhn(digits: str) -> bool:
    from stdnum import luhn

    return luhn.is_valid(digits)


def _cards(text: str) -> Iterator[Finding]:
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if 13 <= len(digits) <= 19 and _luhn(digits) and len(set(digits)) > 1:
            yield Finding(match.start(), match.end(), "[card]")


def _national_numbers(text: str) -> Iterator[Finding]:
    from stdnum.be import bis, nn

    for match in _NATIONAL.finditer(text):
        raw = match.group(0)
        digits = re.sub(r"\D", "", raw)
        if nn.is_valid(digits) or bis.is_valid(digits) or _NATIONAL_FORMAT.match(raw):
            yield Finding(match.start(), match.end(), "[national-number]")


def _documents(text: str) -> Iterator[Finding]:
    for match in _PASSPORT.finditer(text):
        letters, space = match.group(1), match.group(2)
        if not letters.isupper():
            cued = bool(_PASSPORT_CUE.search(text[max(0, match.start() - 40) : match.start()]))
            # "на 100000 осіб", "to 150000": a word before a number, unless "passport" precedes.
            if not cued and (space or letters.casefold() in _SHORT_WORDS):
                continue
        yield Finding(match.start(), match.end(), "[document]")
    for pattern in _DOCUMENTS:
        for match in pattern.finditer(text):
            yield Finding(match.start(), match.end(), "[document]")


#: Two-letter words that precede numbers in questions ("на 100000", "to 150000"): not passport series.
_SHORT_WORDS = set(
    "на до за по та із як не ні то це чи бо ще уже вже від од об при про під над is to at in on of be by or an as "
    "if it me my no so up we de en et la le un op te om ja ca ce du il ou se si tu".split()
)


def _birth_dates(text: str) -> Iterator[Finding]:
    for cue in _BIRTH_CUE.finditer(text):
        match = _BIRTH_DATE.match(text, cue.end())
        if match is None:
            # "born in Kyiv on 01.03.1985": a date within a few words after the cue.
            window = re.search(_DATE, text[cue.end() : cue.end() + 40], re.I)
            if window is None:
                continue
            start = cue.end() + window.start()
            yield Finding(start, start + len(window.group(0)), "[birth-date]")
            continue
        yield Finding(match.start(1), match.end(1), "[birth-date]")
    for match in _DATE_BEFORE_CUE.finditer(text):
        yield Finding(match.start(1), match.end(1), "[birth-date]")


def _names(text: str) -> Iterator[Finding]:
    for cue in _NAME_CUE.finditer(text):
        position, start, end, taken = cue.end(), None, None, 0
        lowercase_first = False
        while taken < 3:
            token = _NAME_TOKEN.match(text, position)
            if token is None:
                break
            word = token.group(0)
            bare = word.casefold().strip(_APOS + "-")
            if bare in _NOT_NAMES:
                break
            if taken == 0:
                lowercase_first = word[0].islower()
            elif not word[0].isupper() and not (lowercase_first and taken < 2):
                break
            start = token.start() if start is None else start
            end, taken = token.end(), taken + 1
            gap = re.match(r"[ \t]+", text[end:])
            if gap is None:
                break
            position = end + gap.end()
        if start is not None and end is not None:
            yield Finding(start, end, "[name]")


def _addresses(text: str) -> Iterator[Finding]:
    for pattern in _STREETS:
        for match in pattern.finditer(text):
            yield Finding(match.start(), match.end(), "[address]")
    for cue in _ADDRESS_CUE.finditer(text):
        rest = text[cue.end() :]
        stop = _ADDRESS_END.search(rest)
        span = rest[: stop.start() if stop else len(rest)].rstrip(" ,")
        # An address has a house number or names a street; "I live at a host family" is not one.
        if span and (re.search(r"\d", span) or re.search(rf"{_NL_STREET}\b|{_FR_STREET}\b|{_UK_STREET}|{_EN_STREET}", span, re.I)):
            yield Finding(cue.end(), cue.end() + len(span), "[address]")


_DATE_SHAPE = re.compile(r"^\(?(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{2}|\d{4})|\d{4}[./-]\d{1,2}[./-]\d{1,2})\)?$")


def _phones(text: str) -> Iterator[Finding]:
    import phonenumbers
    from phonenumbers import Leniency

    if sum(c.isdigit() for c in text) < 6:
        return
    leniency = getattr(Leniency, PHONE_LENIENCY)
    cued = getattr(Leniency, PHONE_CUE_LENIENCY)
    for region in PHONE_REGIONS:
        matches = list(phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency))
        if cued != leniency and _PHONE_CUE_ANYWHERE.search(text):
            # Right after "tel", "номер", "gsm"...: a number of a possible length is a phone number.
            matches += [m for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=cued)
                        if _PHONE_CUE.search(text[max(0, m.start - 30) : m.start])]
        for match in matches:
            if not _DATE_SHAPE.match(match.raw_string):  # 04.03.2027 is a date, whatever it dials
                yield Finding(match.start, match.end, "[phone]")


def _long_numbers(text: str) -> Iterator[Finding]:
    for match in _LONG_NUMBER.finditer(text):
        yield Finding(match.start(), match.end(), "[number]")


_DETECTORS = (
    ("email", lambda t: (Finding(m.start(), m.end(), "[email]") for m in _EMAIL.finditer(t))),
    ("iban", _ibans),
    ("card", _cards),
    ("national-number", _national_numbers),
    ("birth-date", _birth_dates),
    ("document", _documents),
    ("phone", _phones),
    ("address", _addresses),
    ("name", _names),
    ("number", _long_numbers),
)


def find_personal_data(text: str, detectors: Optional[Iterable[str]] = None) -> list[Finding]:
    """The pieces of personal data in `text`, in order, without overlaps (a detector listed earlier
    wins over a later one; among equals, the longer span)."""
    if not text:
        return []
    wanted = set(detectors) if detectors is not None else None
    accepted: list[Finding] = []
    for name, detector in _DETECTORS:
        if wanted is not None and name not in wanted:
            continue
        found = sorted(detector(text), key=lambda f: (f.start, -(f.end - f.start)))
        for finding in found:
            if finding.end > finding.start and not any(finding.overlaps(a) for a in accepted):
                accepted.append(finding)
    return sorted(accepted, key=lambda f: f.start)


def redact(text: Any) -> Any:
    """The text with personal data replaced by labels; other values are returned unchanged."""
    if not isinstance(text, str) or not text:
        return text
    findings = find_personal_data(text)
    for finding in reversed(findings):
        text = text[: finding.start] + finding.label + text[finding.end :]
    return text


#: Bot messages redacted lately, by text: the assistant sends the same answers to many people, and
#: scanning a long answer for phone numbers costs milliseconds on every turn. Bounded; process memory
#: only (the tracker cache holds the same texts); user messages are never kept here.
BOT_TEXT_CACHE_SIZE = 2048


@lru_cache(maxsize=BOT_TEXT_CACHE_SIZE)
def _redact_bot_text(text: str) -> str:
    return redact(text)


def redact_event(event: dict) -> dict:
    """A copy of a serialised Rasa event with the user's text redacted everywhere it appears (and a
    bot message's text, which may repeat it)."""
    if event.get("event") == "bot":
        text = event.get("text")
        return {**event, "text": _redact_bot_text(text) if isinstance(text, str) and text else text}
    if event.get("event") != "user":
        return event
    clean = dict(event)
    clean["text"] = redact(event.get("text"))
    parse_data = event.get("parse_data")
    if isinstance(parse_data, dict):
        parse_data = dict(parse_data)
        parse_data["text"] = redact(parse_data.get("text"))
        parse_data["entities"] = [
            {**e, "value": redact(e.get("value"))} if isinstance(e, dict) else e
            for e in parse_data.get("entities") or []
        ]
        clean["parse_data"] = parse_data
    return clean
