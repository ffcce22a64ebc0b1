"""The canonical fields of each tabular input, with the headers partners really write.

A header matches a field when, once normalised (lower case, no accents, no punctuation, no unit such as
"(millions FCFA)"), it equals one of the field's synonyms; an HXL hashtag row, when present, wins.
The data officer's page (docs/data-officer.md) lists the accepted headers from this module: `python -m ingest.schemas`
rewrites that section.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from config import REPO_ROOT

# Words that qualify a header without changing what it names: a year, a date, the document it comes from.
# The one money type, from the raw tables to the marts (dbt's money() macro casts to it too): exact sums of many
# small amounts, 34 digits before the point. Rates and shares stay DOUBLE.
MONEY = "DECIMAL(38, 4)"

_QUALIFIERS = {
    "au",
    "du",
    "le",
    "la",
    "les",
    "l",
    "en",
    "pour",
    "hors",
    "annexe",
    "annexes",
    "budgets",
    "rap",
    "plf",
    "lfi",
    "lfr",
    "pap",
    "er",
    "initial",
    "initiale",
    "revise",
    "total",
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
}


def is_qualifier(word: str) -> bool:
    return word in _QUALIFIERS or bool(re.fullmatch(r"[0-9]+(er)?", word))


@lru_cache(maxsize=1024)
def _field_names(name: str, label_fr: str, synonyms: tuple[str, ...]) -> frozenset[str]:
    return frozenset(normalise_header(s) for s in (name, label_fr, *synonyms))


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text | amount | amount_usd | date | integer | share | currency | deadline
    synonyms: tuple[str, ...]
    hxl: tuple[str, ...] = ()
    required: bool = False
    label_fr: str = ""

    def matches(self, normalised_header: str) -> bool:
        """The field's name, its French label (the templates' header) or any synonym."""
        return normalised_header in self.names()

    def matches_qualified(self, normalised_header: str) -> bool:
        """A synonym followed by qualifiers only: 'Année RAP', 'Ministère au 1er janvier 2017',
        'EXEC CP 2017 RAP 2017'."""
        words = normalised_header.split()
        return any(
            words[: len(n.split())] == n.split() and all(is_qualifier(w) for w in words[len(n.split()) :])
            for n in self.names()
            if n and len(words) > len(n.split())
        )

    def names(self) -> frozenset[str]:
        return _field_names(self.name, self.label_fr, self.synonyms)


@dataclass(frozen=True)
class Schema:
    kind: str
    table: str
    label_fr: str
    fields: tuple[Field, ...]
    # Folder of the inbox where a data officer drops this kind of file.
    folder: str = ""
    # Groups of fields of which a file must give one column at least (a budget file may hold the paid stage only).
    required_any: tuple[tuple[str, ...], ...] = ()
    # Fields of which a row must fill one at least, beside its required ones (a row naming a partner and nothing else
    # says nothing: it is how random lines under a valid header look).
    row_needs_any: tuple[str, ...] = ()
    # Fields of which a row must fill one at least to be data: without, it is skipped as a heading (a budget's chapter).
    row_skipped_without: tuple[str, ...] = ()
    # A row identical in every field to an earlier one of its sheet is skipped as repeated (exports of SharePoint lists
    # and 5W pivots repeat rows): said, never counted twice.
    repeated_rows_skipped: bool = False

    @property
    def required(self) -> list[Field]:
        return [f for f in self.fields if f.required]

    def lacks(self, names: set[str]) -> list[str]:
        """French labels of the required fields, or groups of fields, absent from `names`."""
        missing = [f.label_fr for f in self.required if f.name not in names]
        missing += [
            " / ".join(self.field(n).label_fr for n in group) for group in self.required_any if not names & set(group)
        ]
        return missing

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


_UNIT_WORDS = re.compile(
    r"\b(en|in|de|of|millions?|milliards?|billions?|f cfa|fcfa|xof|cfa|usd|us|eur|euros?|dollars?|francs?)\b"
)


@lru_cache(maxsize=8192)
def normalise_header(text: str) -> str:
    """'Montant dépensé (millions FCFA)' -> 'montant depense'."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = _UNIT_WORDS.sub(" ", text)
    return " ".join(text.split())


def header_scale(text: str) -> float:
    """A header such as 'Dotation (en millions de FCFA)' says every amount below is in millions."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    if re.search(r"\bmilliards?\b|\bbillions?\b", plain):
        return 1e9
    if re.search(r"\bmillions?\b", plain):
        return 1e6
    if re.search(r"\bmilliers\b|\bthousands\b|\bk ?fcfa\b", plain):
        return 1e3
    return 1.0


def header_currency(text: str) -> str | None:
    """The currency a header names ('Dotation (FCFA)' -> 'FCFA', ambiguous until the file's country is known), as
    the SQL macro currency_named does for cells."""
    plain = unicodedata.normalize("NFKD", str(text).replace("€", " EUR ")).encode("ascii", "ignore").decode().upper()
    for code, pattern in (
        ("XOF", r"\bXOF\b|BCEAO|UEMOA|OUEST|WEST AFRICAN"),
        ("XAF", r"\bXAF\b|BEAC|CEMAC|AFRIQUE CENTRALE|CENTRAL AFRICAN"),
        ("FCFA", r"F\s*CFA|\bCFA\b"),
        ("EUR", r"\bEUR\b|EURO|€"),
        ("USD", r"\bUSD\b|US\$|\$|DOLLAR"),
    ):
        if re.search(pattern, plain):
            return code
    return None


# Columns that hold people's names, e-mails or phone numbers: dropped at ingestion, never stored.
_PERSONAL_TOKENS = {
    "prenom",
    "prenoms",
    "email",
    "emails",
    "mail",
    "courriel",
    "telephone",
    "tel",
    "phone",
    "whatsapp",
    "mobile",
    "portable",
    "contact",
    "contacts",
    "signataire",
    "rapporteur",
}
_PERSONAL_PHRASES = ("point focal", "focal point", "full name", "nom et prenom", "personne de contact")
# "Nom de l'organisation" names an organisation, not a person.
_NOT_A_PERSON = {
    "organisation",
    "organization",
    "structure",
    "partenaire",
    "ong",
    "bailleur",
    "region",
    "cercle",
    "commune",
    "projet",
    "activite",
    "programme",
    "institution",
    "localite",
    "village",
    "site",
}


def is_personal_header(header: str) -> bool:
    norm = normalise_header(header)
    tokens = set(norm.split())
    if tokens & _NOT_A_PERSON:
        return False
    return (
        bool(tokens & _PERSONAL_TOKENS)
        or any(p in norm for p in _PERSONAL_PHRASES)
        or tokens in ({"nom"}, {"noms"}, {"name"})
    )


PERSONAL_DATA_HXL = ("#contact", "#contact+email", "#contact+phone", "#contact+name")


_PLACE_FIELDS = (
    # HXL before 1.0 wrote bare #adm1, #adm2 for the names: the most specific pattern wins, so #adm1+code stays a
    # P-code.
    Field(
        "region",
        "text",
        ("région", "region", "regions", "admin1", "adm1", "nom region", "province", "provinces"),
        ("#adm1+name", "#adm1-code"),
        label_fr="Région",
    ),
    Field(
        "region_pcode",
        "text",
        (
            "code région",
            "pcode région",
            "p-code région",
            "region pcode",
            "adm1 pcode",
            "admin1 pcode",
            "code province",
            "pcode province",
        ),
        ("#adm1+code",),
        label_fr="P-code de la région",
    ),
    Field(
        "cercle",
        "text",
        ("cercle", "cercles", "admin2", "adm2", "district", "nom cercle", "departement", "territoire", "département"),
        ("#adm2+name", "#adm2-code"),
        label_fr="Cercle",
    ),
    Field(
        "cercle_pcode",
        "text",
        (
            "code cercle",
            "pcode cercle",
            "p-code cercle",
            "cercle pcode",
            "adm2 pcode",
            "admin2 pcode",
            "code territoire",
            "pcode territoire",
            "code departement",
        ),
        ("#adm2+code",),
        label_fr="P-code du cercle",
    ),
    Field(
        "commune",
        "text",
        ("commune", "communes", "admin3", "adm3", "municipality", "zone de santé", "arrondissement", "arr"),
        ("#adm3+name", "#adm3-code"),
        label_fr="Commune",
    ),
    Field(
        "commune_pcode",
        "text",
        ("code commune", "pcode commune", "commune pcode", "adm3 pcode", "pcode zone de santé", "code zone de santé"),
        ("#adm3+code",),
        label_fr="P-code de la commune",
    ),
)

PARTNER_REPORTS = Schema(
    kind="partner_report",
    table="raw.partner_reports",
    label_fr="Rapport de partenaire (qui fait quoi où, avec quel argent)",
    folder="partner_reports",
    repeated_rows_skipped=True,
    row_needs_any=(
        "region",
        "region_pcode",
        "cercle",
        "cercle_pcode",
        "commune",
        "commune_pcode",
        "country",
        "sector",
        "activity",
        "planned_budget",
        "amount_spent",
        "beneficiaries_targeted",
        "beneficiaries_reached",
    ),
    fields=(
        Field(
            "partner",
            "text",
            (
                "partenaire",
                "organisation",
                "organisation partenaire",
                "partner",
                "organization",
                "nom de l'organisation",
                "nom du partenaire",
                "organization name",
                "organisation de mise en oeuvre",
                "implementing partner",
                "ong",
                "structure",
                "acteur",
            ),
            ("#org+impl", "#org"),
            required=True,
            label_fr="Partenaire",
        ),
        Field(
            "partner_acronym",
            "text",
            ("acronyme", "sigle", "acronym", "abreviation", "partenaire sigle"),
            ("#org+acronym",),
            label_fr="Sigle du partenaire",
        ),
        Field(
            "donor",
            "text",
            (
                "bailleur",
                "bailleurs",
                "bailleur de fonds",
                "bailleur de fond",
                "bailleurs de fonds",
                "donateur",
                "source de financement",
                "donor",
                "donors",
                "funder",
                "funding source",
                "ptf",
                "partenaire financier",
                "partenaire technique et financier",
            ),
            ("#org+funder", "#org+donor"),
            label_fr="Bailleur",
        ),
        Field("country", "text", ("pays", "country"), ("#country",), label_fr="Pays"),
        *_PLACE_FIELDS,
        # Not required: a physical-presence 3W names who is where, with no sector.
        Field(
            "sector",
            "text",
            ("secteur", "cluster", "domaine", "sector", "secteur d'intervention", "secteurs", "clusters"),
            ("#sector",),
            label_fr="Secteur",
        ),
        Field(
            "activity",
            "text",
            ("activité", "activités", "activity", "intervention", "description de l'activité", "projet", "project"),
            ("#activity",),
            label_fr="Activité",
        ),
        # The code FTS and IATI quote for the same money: an HRP/CBPF project code (`MLI-14/P-HR-RL/66283`), a grant's.
        Field(
            "project_code",
            "text",
            (
                "code projet",
                "code du projet",
                "projectcode",
                "project code",
                "code hrp",
                "code fts",
                "code cbpf",
                "id projet",
                "identifiant projet",
                "reference projet",
                "grant code",
            ),
            ("#activity+code", "#project+code"),
            label_fr="Code projet",
        ),
        Field(
            "period_start",
            "date",
            ("date de début", "début", "debut periode", "période début", "start date", "start", "from", "du"),
            ("#date+start",),
            label_fr="Début de période",
        ),
        Field(
            "period_end",
            "date",
            ("date de fin", "fin", "fin periode", "période fin", "end date", "end", "to", "au"),
            ("#date+end",),
            label_fr="Fin de période",
        ),
        Field(
            "year", "integer", ("année", "annee de reference", "exercice", "year"), ("#date+year",), label_fr="Année"
        ),
        Field("quarter", "integer", ("trimestre", "quarter", "trim"), ("#date+quarter",), label_fr="Trimestre"),
        Field("month", "month", ("mois", "month"), ("#date+month",), label_fr="Mois"),
        Field(
            "planned_budget",
            "amount",
            (
                "budget prévu",
                "budget planifié",
                "budget",
                "montant prévu",
                "budget total",
                "planned budget",
                "budget planned",
                "planned",
                "montant planifié",
                "budget du projet",
                "budget projet",
                "montant du projet",
                "project budget",
            ),
            ("#value+budget", "#value+planned"),
            label_fr="Budget prévu",
        ),
        Field(
            "amount_spent",
            "amount",
            (
                "montant dépensé",
                "dépenses",
                "dépensé",
                "montant décaissé",
                "décaissé",
                "décaissements",
                "montant exécuté",
                "amount spent",
                "spent",
                "expenditure",
                "disbursed",
                "amount disbursed",
            ),
            ("#value+spent", "#value+disbursed"),
            label_fr="Montant dépensé",
        ),
        Field("currency", "currency", ("devise", "monnaie", "currency"), ("#currency",), label_fr="Devise"),
        Field(
            "stated_usd",
            "amount_usd",
            (
                "équivalent usd",
                "équivalent en dollars",
                "équivalent dollars",
                "montant équivalent usd",
                "usd equivalent",
                "equivalent usd",
                "stated usd",
            ),
            ("#value+usd",),
            label_fr="Équivalent USD déclaré",
        ),
        Field(
            "beneficiaries_targeted",
            "integer",
            (
                "bénéficiaires ciblés",
                "cible",
                "ciblés",
                "personnes ciblées",
                "beneficiaries targeted",
                "nombre de bénéficiaires",
                "targeted",
                "target",
            ),
            ("#targeted", "#beneficiary+targeted"),
            label_fr="Bénéficiaires ciblés",
        ),
        Field(
            "beneficiaries_reached",
            "integer",
            ("bénéficiaires atteints", "atteints", "personnes atteintes", "beneficiaries reached", "reached"),
            ("#reached", "#beneficiary+reached"),
            label_fr="Bénéficiaires atteints",
        ),
        Field(
            "status",
            "text",
            ("statut", "état", "etat d'avancement", "état du projet", "status"),
            ("#status",),
            label_fr="Statut",
        ),
    ),
)

BUDGET_LINES = Schema(
    kind="budget_line",
    table="raw.budget_lines",
    label_fr="Lignes budgétaires (loi de finances)",
    folder="budget_lines",
    required_any=(
        ("line_label", "action_label", "programme_label"),
        ("dotation", "engagement", "liquidation", "ordonnancement", "paiement"),
    ),
    row_skipped_without=("dotation", "engagement", "liquidation", "ordonnancement", "paiement"),
    fields=(
        Field(
            "fiscal_year",
            "integer",
            ("exercice", "année", "annee budgetaire", "exercice budgétaire", "fiscal year", "year", "gestion"),
            ("#date+year",),
            required=True,
            label_fr="Exercice",
        ),
        Field(
            "budget_version",
            "text",
            (
                "version",
                "type de loi",
                "loi",
                "loi de finances",
                "version budgétaire",
                "budget version",
                "type de budget",
            ),
            ("#meta+version",),
            label_fr="Version",
        ),
        Field("level", "text", ("niveau", "level", "échelon"), ("#meta+level",), label_fr="Niveau"),
        *_PLACE_FIELDS,
        Field(
            "institution",
            "text",
            (
                "institution",
                "ministère",
                "section",
                "ministere ou institution",
                "ministry",
                "collectivité",
                "structure",
                "administration",
                "chapitre",
                "libellé chapitre",
                "chapter label",
            ),
            ("#org",),
            required=True,
            label_fr="Institution",
        ),
        Field(
            "line_code",
            "text",
            (
                "imputation",
                "code ligne",
                "code imputation",
                "ligne",
                "code budgétaire",
                "budget line code",
                "line code",
                "code",
                "sub account",
                "sous compte",
                "compte",
                "code catégorie",
            ),
            ("#meta+code",),
            label_fr="Code de la ligne",
        ),
        Field("programme_code", "text", ("code programme", "programme code", "n programme"), label_fr="Code programme"),
        Field(
            "programme_label",
            "text",
            ("programme", "libellé programme", "programme label", "program"),
            label_fr="Programme",
        ),
        Field("action_code", "text", ("code action", "action code"), label_fr="Code action"),
        Field("action_label", "text", ("action", "libellé action", "action label"), label_fr="Action"),
        Field(
            "activity_code", "text", ("code activité", "activity code", "code sous action"), label_fr="Code activité"
        ),
        Field(
            "line_label",
            "text",
            (
                "libellé",
                "libellé de la ligne",
                "intitulé",
                "désignation",
                "activité",
                "line label",
                "label",
                "description",
                "sub account description",
                "libelle de la ligne budgetaire",
            ),
            ("#description",),
            label_fr="Libellé de la ligne",
        ),
        Field(
            "economic_nature",
            "text",
            (
                "nature économique",
                "nature",
                "nature de la dépense",
                "catégorie",
                "economic nature",
                "economic classification",
            ),
            label_fr="Nature économique",
        ),
        Field(
            "funding_origin",
            "text",
            (
                "origine du financement",
                "source de financement",
                "financement",
                "origine",
                "funding origin",
                "funding source",
            ),
            label_fr="Origine du financement",
        ),
        Field(
            "dotation",
            "amount",
            (
                "dotation",
                "dotations",
                "crédits ouverts",
                "credits alloues",
                "allocation",
                "montant alloué",
                "appropriation",
                "montant",
                "amount",
                "budget voté",
                "budget alloué",
                # a commune's "prévisions / réalisations", a council's "Budget / Actual"
                "budget",
                "prévisions",
                "prévision",
                "prévu",
            ),
            ("#value+allocated",),
            label_fr="Dotation",
        ),
        Field(
            "engagement",
            "amount",
            ("engagement", "engagements", "montant engagé", "engagé", "commitment", "committed"),
            ("#value+committed",),
            label_fr="Engagement",
        ),
        Field(
            "liquidation",
            "amount",
            ("liquidation", "liquidations", "montant liquidé", "liquidé", "verified"),
            ("#value+verified",),
            label_fr="Liquidation",
        ),
        Field(
            "ordonnancement",
            "amount",
            (
                "ordonnancement",
                "ordonnancements",
                "montant ordonnancé",
                "ordonnancé",
                "mandatement",
                "mandaté",
                "payment order",
            ),
            ("#value+ordered",),
            label_fr="Ordonnancement",
        ),
        Field(
            "paiement",
            "amount",
            (
                "paiement",
                "paiements",
                "montant payé",
                "payé",
                "payment",
                "paid",
                "exec cp",
                "execution cp",
                "cp executes",
                "credits de paiement executes",
                "cp consommes",
                "réalisations",
                "réalisation",
                "réalisé",
                "actual",
                "actuals",
            ),
            ("#value+paid",),
            label_fr="Paiement",
        ),
        Field(
            "budget_side",
            "text",
            ("sens", "recettes ou dépenses", "recette dépense", "type de ligne", "revenue or expenditure", "side"),
            ("#meta+side",),
            label_fr="Recette ou dépense",
        ),
        Field("country", "text", ("pays", "country"), ("#country",), label_fr="Pays"),
        Field("currency", "currency", ("devise", "monnaie", "currency"), ("#currency",), label_fr="Devise"),
    ),
)

COMMITMENTS = Schema(
    kind="commitment",
    table="raw.commitments",
    label_fr="Suivi des engagements et points d'action",
    folder="commitments",
    fields=(
        Field(
            "commitment_id",
            "text",
            ("identifiant", "id", "référence", "ref", "code", "n engagement", "numéro", "commitment id", "n"),
            ("#meta+id",),
            required=True,
            label_fr="Identifiant",
        ),
        Field(
            "made_at",
            "text",
            (
                "cadre",
                "instance",
                "contexte",
                "lieu de l'engagement",
                "source",
                "réunion",
                "made at",
                "forum",
                "occasion",
            ),
            ("#meta+source",),
            label_fr="Pris lors de",
        ),
        Field(
            "made_on",
            "date",
            ("date de l'engagement", "date engagement", "date de la réunion", "pris le", "made on", "date made"),
            ("#date+made",),
            label_fr="Date de l'engagement",
        ),
        Field(
            "holder",
            "text",
            (
                "responsable",
                "détenteur",
                "porteur",
                "organisation responsable",
                "holder",
                "responsible",
                "owner",
                "qui",
            ),
            ("#org+responsible", "#org"),
            required=True,
            label_fr="Responsable (organisation ou rôle)",
        ),
        Field(
            "commitment_kind",
            "text",
            ("type", "type d'engagement", "nature de l'engagement", "kind", "commitment type"),
            ("#meta+type",),
            label_fr="Type",
        ),
        Field(
            "description",
            "text",
            (
                "description",
                "engagement",
                "point d'action",
                "action",
                "actions",
                "recommandation",
                "recommandation / action",
                "recommandations",
                "libellé",
                "commitment",
                "action point",
            ),
            ("#description",),
            required=True,
            label_fr="Description",
        ),
        Field(
            "baseline_amount",
            "amount",
            ("base", "valeur de base", "référence de départ", "baseline", "montant de base"),
            ("#value+baseline",),
            label_fr="Valeur de base",
        ),
        Field(
            "target_amount",
            "amount",
            ("cible", "montant cible", "valeur cible", "target", "target amount"),
            ("#value+target",),
            label_fr="Cible (montant)",
        ),
        Field(
            "target_share",
            "share",
            ("cible en pourcentage", "part cible", "pourcentage cible", "target share", "cible %"),
            ("#value+target+pct",),
            label_fr="Cible (part)",
        ),
        Field(
            "delivered_amount",
            "amount",
            ("réalisé", "montant réalisé", "montant mobilisé", "delivered", "amount delivered", "achieved"),
            ("#value+delivered",),
            label_fr="Réalisé à ce jour",
        ),
        Field("currency", "currency", ("devise", "monnaie", "currency"), ("#currency",), label_fr="Devise"),
        Field("country", "text", ("pays", "country"), ("#country",), label_fr="Pays"),
        Field(
            "deadline",
            "deadline",
            ("échéance", "date limite", "délai", "echeance prevue", "deadline", "due date", "due"),
            ("#date+deadline", "#date+due"),
            label_fr="Échéance",
        ),
        Field(
            "status",
            "text",
            ("statut", "état", "situation", "état d'avancement", "status", "commentaires statut"),
            ("#status",),
            label_fr="Statut",
        ),
        Field(
            "status_date",
            "date",
            (
                "date du statut",
                "date de mise à jour",
                "mis à jour le",
                "date de suivi",
                "status date",
                "updated",
                "as of",
            ),
            ("#date+reported", "#date+updated"),
            label_fr="Date du statut",
        ),
        Field(
            "evidence",
            "text",
            (
                "preuve",
                "justificatif",
                "source de vérification",
                "commentaires",
                "commentaire",
                "observations",
                "evidence",
                "comments",
            ),
            ("#meta+evidence",),
            label_fr="Preuve",
        ),
    ),
)

TABULAR_SCHEMAS = (PARTNER_REPORTS, BUDGET_LINES, COMMITMENTS)


# The data officer's page and the markers around its generated section.
DATA_OFFICER_PAGE = REPO_ROOT / "docs" / "data-officer.md"
HEADERS_BEGIN = "<!-- en-têtes acceptés : début, écrit par python -m ingest.schemas -->"
HEADERS_END = "<!-- en-têtes acceptés : fin -->"


def accepted_headers_markdown() -> str:
    """The table of accepted headers, generated so that docs and code cannot disagree."""
    lines = []
    for schema in TABULAR_SCHEMAS:
        lines.append(f"\n#### {schema.label_fr} (`inbox/{schema.folder}/`)\n")
        lines.append("| champ | obligatoire | en-têtes acceptés | HXL |")
        lines.append("|---|---|---|---|")
        for f in schema.fields:
            lines.append(
                f"| `{f.name}` ({f.label_fr}) | {'oui' if f.required else ''} | "
                f"{', '.join(f.synonyms)} | {' '.join(f.hxl)} |"
            )
    return "\n".join(lines)


def write_accepted_headers(page: Path = DATA_OFFICER_PAGE) -> None:
    """Rewrite the generated section of `page` (between HEADERS_BEGIN and HEADERS_END)."""
    text = page.read_text(encoding="utf-8")
    before, rest = text.split(HEADERS_BEGIN)
    _, after = rest.split(HEADERS_END)
    page.write_text(f"{before}{HEADERS_BEGIN}\n{accepted_headers_markdown()}\n{HEADERS_END}{after}", encoding="utf-8")


if __name__ == "__main__":
    write_accepted_headers()
    print(f"{DATA_OFFICER_PAGE} : en-têtes acceptés écrits / accepted headers written")
