"""Personal data (e-mail addresses, phone numbers, people's names) found where people write it, and taken out.

The rules are data (ingest/personal_data.yml): the ways an address is obfuscated, the phone formats of the region's
countries, civilities, the words forms put before a name, and the words that end a name. `redact` is the one function
that applies them; the warehouse calls it on every free-text cell (ingest/values.py registers it in DuckDB), on IATI
and FTS texts and names, on the names of received files, and on what a suggested profile or a receipt shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

import yaml

RULES_FILE = Path(__file__).with_name("personal_data.yml")

# Letters of any script, without digits nor '_'.
_LETTER = r"[^\W\d_]"
_NAME_WORD = re.compile(rf"{_LETTER}(?:{_LETTER}|['’-](?={_LETTER}))*\.?")
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")


@dataclass(frozen=True)
class Rules:
    email: re.Pattern
    phone: re.Pattern
    international_prefix: re.Pattern  # '+' or '00' and a country code, where a phone written so starts
    civility: re.Pattern
    introducing: re.Pattern
    hint: re.Pattern
    hint_sql: str  # the same hint, for DuckDB's RE2 (which reads Python's syntax used here)
    currency_after: re.Pattern
    identifier_before: re.Pattern
    round_ending: str
    bare_prefixes: tuple[tuple[int, tuple[str, ...]], ...]  # (national length, mobile prefixes) per country
    national_prefixes: tuple[tuple[int, tuple[str, ...]], ...]  # (national length, mobile and fixed prefixes)
    stop_words: frozenset[str]
    particles: frozenset[str]
    replacements: dict[str, str]


def _alternatives(words: list[str]) -> str:
    """A regex alternation of the words, longest first, each space matching any run of spaces."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


def _obfuscations(words: list[str]) -> str:
    """'[at]' also as '[ at ]', ' at ' as any spaces around the word."""
    forms = []
    for w in sorted(words, key=len, reverse=True):
        core = w.strip()
        if w != core:  # a bare word between spaces
            forms.append(rf"\s+{re.escape(core)}\s+")
        elif len(core) > 2 and core[0] in "[({<" and core[-1] in "])}>":
            forms.append(rf"\s*{re.escape(core[0])}\s*{re.escape(core[1:-1])}\s*{re.escape(core[-1])}\s*")
        else:
            forms.append(re.escape(core))
    return "|".join(forms)


@cache
def rules() -> Rules:
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    at, dot = _obfuscations(data["emails"]["at"]), _obfuscations(data["emails"]["dot"])
    label = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    email = re.compile(
        rf"(?<![\w.%+-])[A-Za-z0-9._%+-]*[A-Za-z0-9_%+-](?:{at})(?:{label}(?:{dot}))+[A-Za-z]{{2,24}}(?![\w])",
        re.IGNORECASE,
    )
    phones = data["phones"]
    sep = f"[{re.escape(phones['separators'])}]"
    # Any digits after an international prefix: the country's rules decide nothing there, a '+' or '00' and a code
    # followed by six digits or more is a phone wherever it comes from.
    codes = _alternatives([c["code"] for c in phones["countries"]])
    prefix = rf"(?:\(?\+\s?\(?(?:{codes}|[1-9][0-9]{{0,2}})\)?|\b00\s?\(?(?:{codes})\)?)"
    international = rf"{prefix}(?:\s?\(0\))?(?:{sep}?\d){{6,13}}"
    national = rf"\d(?:{sep}?\d){{6,10}}"
    # Not inside a code (MLI-14/P-HR-RL/66283, ML0701) nor a number's decimals (0,002234...).
    phone = re.compile(rf"(?<![\w/+.-])(?<![\w/][.-])(?<!\d,)(?:{international}|{national})(?![\w/])(?![.,-]\d)")
    currency_after = re.compile(rf"\s*(?:{_alternatives(phones['currencies'])})(?!\w)", re.IGNORECASE)
    identifier_before = re.compile(rf"(?<!\w)(?:{_alternatives(phones['identifiers'])})\s*[:#.]?\s*$", re.IGNORECASE)

    def prefixes(*kinds: str) -> tuple[tuple[int, tuple[str, ...]], ...]:
        """(national length, first digits) of each country's numbers of these kinds, as written at home."""
        found = []
        for c in phones["countries"]:
            starts = tuple(c.get("trunk", "") + p for kind in kinds for p in c.get(kind, ()))
            if starts:
                found.append((c["digits"] + len(c.get("trunk", "")), starts))
        return tuple(found)

    civilities = data["civilities"]
    any_case = _alternatives(civilities["any_case"])
    # "M.Diarra": a civility ending with its dot may touch the name; another ends at a word's end ("Mesure").
    exact_words = "|".join(
        re.escape(w).replace(r"\ ", r"\s+") + ("" if w.endswith(".") else r"(?!\w)")
        for w in sorted(civilities["exact_case"], key=len, reverse=True)
    )
    # A civility, then its dot or a colon, then the name (read by _name_end).
    civility = re.compile(rf"(?<!\w)(?:(?i:(?:{any_case})(?!\w)\.?)|{exact_words})(?:\s*:)?\s*")
    colon = r"\s*[:\-–—]\s*"
    introducing = re.compile(
        "(?i)(?<!\\w)(?:"
        + "|".join(
            re.escape(i["words"]).replace(r"\ ", r"\s+") + (colon if i.get("colon") else rf"(?:{colon}|\s+)")
            for i in sorted(data["introducing"], key=lambda i: len(i["words"]), reverse=True)
        )
        + ")"
    )
    # The hint is read by Python's re and DuckDB's RE2 alike: no escaped space, ASCII word ends only.
    at_words = [w.strip(" []()<>{}") for w in data["emails"]["at"] if w.strip(" []()<>{}") != "@"]
    first_words = [i["words"].split()[0] for i in data["introducing"]]
    digit = "\\d[" + phones["separators"].replace("-", "") + "-]?"

    def hint_words(words: list[str]) -> str:
        return "|".join(
            re.escape(w).replace("\\ ", "\\s+") + ("" if w.endswith(".") else "(?:[^A-Za-z]|$)")
            for w in dict.fromkeys(words)
        )

    any_case_words = hint_words(at_words + civilities["any_case"] + first_words)
    hint = rf"@|{digit * 5}\d|(?i:\b(?:{any_case_words}))|\b(?:{hint_words(civilities['exact_case'])})"
    return Rules(
        email=email,
        phone=phone,
        international_prefix=re.compile(prefix),
        civility=civility,
        introducing=introducing,
        hint=re.compile(hint),
        hint_sql=hint,
        currency_after=currency_after,
        identifier_before=identifier_before,
        round_ending=phones["round_ending"],
        bare_prefixes=prefixes("mobile"),
        national_prefixes=prefixes("mobile", "fixed"),
        stop_words=frozenset(w.lower() for w in data["names"]["stop_words"]),
        particles=frozenset(w.lower() for w in data["names"]["particles"]),
        replacements=data["replacements"],
    )


def _is_phone(match: re.Match, text: str, r: Rules) -> bool:
    """A run of digits is a phone when written after an international prefix; or with a country's length and first
    digits, grouped the way numbers are said (two pairs at least, no group longer than three: '76 45 12 33',
    '77 123 45 67', never '2019-2024' nor the amount '12 345 678'); or, written without any separator, with the
    length and first digits of a country's mobiles, unless round (60000000). Never when a currency or a count's
    unit follows it, nor, without an international prefix, after a word saying it is an identifier."""
    if r.currency_after.match(text, match.end()):
        return False
    written = match.group(0)
    groups = [g for g in re.split(r"\D+", written) if g]
    if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]):
        return False  # '+12 345 678', '1 234 567': an amount's thousands
    if r.international_prefix.match(written):
        return len("".join(groups)) >= 8
    if r.identifier_before.search(text, max(0, match.start() - 20), match.start()):
        return False
    digits = "".join(groups)
    if len(groups) > 1:
        said = len(groups) >= 3 and all(len(g) <= 3 for g in groups) and sum(len(g) == 2 for g in groups) >= 2
        return said and any(len(digits) == n and digits.startswith(starts) for n, starts in r.national_prefixes)
    if digits.endswith(r.round_ending):
        return False
    return any(len(digits) == n and digits.startswith(starts) for n, starts in r.bare_prefixes)


def _is_name_word(word: str) -> bool:
    return word[:1].isupper()


def _name_end(text: str, start: int, r: Rules, lower_first: bool) -> int:
    """Where the name starting at `start` ends (`start` when there is none): capitalised words, the particles
    between them and initials ('A.'); its first word may be in lower case ('Mme diarra') when `lower_first`, and is
    then the whole name. A stop word ends it, and a role word or article first means no name."""
    end, pos, words = start, start, 0
    while True:
        gap = _SPACES.match(text, pos)
        word_at = gap.end() if gap else pos
        if words and word_at == pos:
            return end
        match = _NAME_WORD.match(text, word_at)
        if not match:
            return end
        word = match.group(0)
        bare = word.rstrip(".").lower()
        initial = len(word) == 2 and word.endswith(".") and word[0].isupper()
        elided = re.split("['’]", word, maxsplit=1)  # "d’œuvre" is a word, "d’Almeida" a name
        if not initial and (
            bare in r.stop_words
            or (len(elided) == 2 and elided[0].lower() in r.stop_words and not _is_name_word(elided[1]))
        ):
            return end
        word_end = match.end() if initial else match.start() + len(word.rstrip("."))
        if bare in r.particles and words:
            following = _NAME_WORD.match(text, (_SPACES.match(text, match.end()) or match).end())
            if not (following and _is_name_word(following.group(0)) and following.start() > match.end()):
                return end
        elif not _is_name_word(word):
            return word_end if (not words and lower_first) else end
        end, pos, words = word_end, word_end, words + 1


def redact(text: str | None) -> str | None:
    """The text with e-mail addresses, phone numbers and people's names (after a civility or the words forms put
    before them) replaced by ingest/personal_data.yml's replacements; the civility and the introducing words stay.
    Most texts hold none: the rules only run where a cheap hint finds an '@', six digits, a civility or such a
    word."""
    return _replaced(text, rules().replacements)


def _replaced(text: str | None, replacements: dict[str, str]) -> str | None:
    if not text or not isinstance(text, str):
        return text
    r = rules()
    if not r.hint.search(text):
        return text
    for (start, end), kind in sorted(_spans(text, r).items(), reverse=True):
        text = text[:start] + replacements["name" if kind.endswith("name") else kind] + text[end:]
    return text


def _spans(text: str, r: Rules) -> dict[tuple[int, int], str]:
    """(start, end) -> kind of every piece of personal data in the text, none overlapping."""
    spans: dict[tuple[int, int], str] = {}
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, kind: str) -> None:
        if end > start and not any(s < end and start < e for s, e in taken):
            spans[(start, end)] = kind
            taken.append((start, end))

    for m in r.email.finditer(text):
        add(m.start(), m.end(), "email")
    for m in r.phone.finditer(text):
        if _is_phone(m, text, r):
            add(m.start(), m.end(), "phone")
    for m in r.civility.finditer(text):
        add(m.end(), _name_end(text, m.end(), r, lower_first=True), "name")
    for m in r.introducing.finditer(text):
        if not r.civility.match(text, m.end()):
            add(m.end(), _name_end(text, m.end(), r, lower_first=False), "introduced_name")
    return spans


def personal_data_in(text: str | None) -> list[tuple[str, str]]:
    """(kind, piece) of every piece of personal data the rules find in the text, kind being email, phone, name
    (after a civility) or introduced_name (after the words forms put before a name); none in a redacted text."""
    if not text or not rules().hint.search(text):
        return []
    return [(kind, text[start:end]) for (start, end), kind in sorted(_spans(text, rules()).items())]


def redact_organisation(name: str | None) -> str | None:
    """An organisation's name, or '[personne]' when it holds a person's name, e-mail or phone ('Mr Keita Amadou')."""
    return rules().replacements["organisation"] if personal_data_in(name) else name


def redact_file_name(name: str, glob: bool = False) -> str:
    """A received file's name (or its path in the inbox) as it may be published: each part redacted, the extension
    kept ('3W Mme [nom retiré] [téléphone retiré].csv'); with `glob`, a pattern that still matches the file
    ('3W Mme * *.csv', for a suggested profile)."""
    replacements = dict.fromkeys(rules().replacements, "*") if glob else rules().replacements
    path = PurePosixPath(name)
    if not path.parts:
        return name
    parts = [_replaced(p, replacements) for p in path.parts[:-1]]
    return str(PurePosixPath(*parts, _replaced(path.stem, replacements) + path.suffix))


def hint_sql() -> str:
    """The cheap hint as a RE2 regex: DuckDB only calls `redact` on cells where it matches."""
    return rules().hint_sql
