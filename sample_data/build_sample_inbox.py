"""Write the bundled sample inbox (sample_data/inbox/), the way partners and ministries send files.

Derived from the domain brief and the seed documents: the 2020 line of 600 000 000 FCFA for ready-to-use
therapeutic food, the 2019 pledge to double nutrition funding, the pledge to transfer 30% of the budget to
local governments, and the action points of the meetings of 13/10/2014, 15/11/2016 and 21/06/2024.
Every other amount is illustrative. Organisations and roles only: no person's name, e-mail or phone.

    python sample_data/build_sample_inbox.py
"""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import Workbook

INBOX = Path(__file__).with_name("inbox")
NBSP = "\u00a0"


def fr(amount: int) -> str:
    """600000000 -> '600 000 000' with the thin spaces French Excel exports."""
    return f"{amount:,}".replace(",", NBSP)


# --- Budget lines: national budget 2019-2024, all five stages -------------------------------------------
# (institution, imputation, programme, action, label, nature, origin, base dotation in FCFA, yearly growth)
BUDGET_LINES = [
    (
        "Ministère de la Santé et du Développement social",
        "2.071.01",
        "Santé publique",
        "Nutrition",
        "Cellule de Coordination de la Nutrition - fonctionnement",
        "Biens et services",
        "Intérieur",
        250_000_000,
        0.05,
    ),
    (
        "Ministère de la Santé et du Développement social",
        "2.071.02",
        "Santé publique",
        "Nutrition",
        "Prise en charge de la malnutrition aiguë dans les CSCOM",
        "Biens et services",
        "Extérieur",
        1_400_000_000,
        0.08,
    ),
    (
        "Ministère de la Santé et du Développement social",
        "2.071.05",
        "Santé publique",
        "Vaccination",
        "Programme élargi de vaccination",
        "Biens et services",
        "Intérieur",
        3_500_000_000,
        0.03,
    ),
    (
        "Ministère de l'Éducation nationale",
        "2.082.03",
        "Éducation de base",
        "Cantines scolaires",
        "Cantines scolaires et alimentation des élèves",
        "Transferts",
        "Intérieur",
        2_000_000_000,
        0.04,
    ),
    (
        "Ministère de l'Agriculture",
        "2.091.04",
        "Production agricole",
        "Sécurité alimentaire",
        "Appui à la production maraîchère des femmes",
        "Investissement",
        "Extérieur",
        900_000_000,
        0.06,
    ),
    (
        "Ministère de l'Énergie et de l'Eau",
        "2.101.02",
        "Hydraulique",
        "Eau potable",
        "Hydraulique villageoise - forages et adductions d'eau",
        "Investissement",
        "Extérieur",
        5_200_000_000,
        0.05,
    ),
    (
        "Ministère de la Santé et du Développement social",
        "2.072.01",
        "Protection sociale",
        "Filets sociaux",
        "Transferts monétaires aux ménages vulnérables",
        "Transferts",
        "Extérieur",
        4_000_000_000,
        0.07,
    ),
    (
        "Ministère de l'Administration territoriale",
        "2.111.01",
        "Décentralisation",
        "Transferts aux CT",
        "Transferts aux collectivités territoriales (santé, éducation, hydraulique)",
        "Transferts",
        "Intérieur",
        420_000_000_000,
        0.06,
    ),
    (
        "Ministère de l'Économie et des Finances",
        "2.121.09",
        "Administration générale",
        "Autres dépenses",
        "Autres dépenses de l'État (agrégé)",
        "Personnel",
        "Intérieur",
        1_650_000_000_000,
        0.04,
    ),
    (
        "Ministère des Transports et des Infrastructures",
        "2.131.02",
        "Routes",
        "Entretien routier",
        "Entretien courant du réseau routier",
        "Investissement",
        "Intérieur",
        60_000_000_000,
        0.02,
    ),
]
RUTF = (
    "Ministère de la Santé et du Développement social",
    "2.071.09",
    "Santé publique",
    "Nutrition",
    "Achat d'aliments thérapeutiques prêts à l'emploi (ATPE)",
    "Biens et services",
    "Intérieur",
)
# Share of the dotation reached by each stage (engagement, liquidation, ordonnancement, paiement), by year.
EXECUTION = {
    2019: (0.92, 0.88, 0.85, 0.80),
    2020: (0.90, 0.86, 0.82, 0.78),
    2021: (0.88, 0.84, 0.80, 0.74),
    2022: (0.85, 0.80, 0.76, 0.70),
    2023: (0.83, 0.78, 0.73, 0.66),
    2024: (0.55, 0.45, 0.40, 0.31),
}
REVISED = {2020: 0.97, 2023: 0.95}  # loi de finances rectificative: dotations cut by this factor


def budget_rows() -> list[list[str]]:
    rows = []
    for year in range(2019, 2025):
        lines = [(*line[:7], round(line[7] * (1 + line[8]) ** (year - 2019), -6)) for line in BUDGET_LINES]
        if year == 2020:
            lines.append((*RUTF, 600_000_000))
        versions = ["Loi de finances initiale"] + (["Loi de finances rectificative"] if year in REVISED else [])
        for version in versions:
            factor = REVISED[year] if version.endswith("rectificative") else 1.0
            executed = version.endswith("rectificative") or year not in REVISED
            for inst, code, prog, action, label, nature, origin, dotation in lines:
                # The RUTF line was voted as is and kept in the revised law.
                dot = int(dotation if code == "2.071.09" else round(dotation * factor, -6))
                stages = [fr(int(round(dot * s, -3))) if executed else "" for s in EXECUTION[year]]
                rows.append(
                    [
                        str(year),
                        version,
                        "National",
                        "",
                        inst,
                        code,
                        prog,
                        action,
                        label,
                        nature,
                        origin,
                        fr(dot),
                        *stages,
                    ]
                )
    return rows


def write_budget_lines() -> None:
    header = [
        "Exercice",
        "Version",
        "Niveau",
        "Région",
        "Institution",
        "Imputation",
        "Programme",
        "Action",
        "Libellé",
        "Nature économique",
        "Origine du financement",
        "Dotation (FCFA)",
        "Engagement",
        "Liquidation",
        "Ordonnancement",
        "Paiement",
    ]
    lines = ["Direction Générale du Budget - Exécution du budget de l'État 2019-2024", ""]
    lines += [";".join(header)] + [";".join(r) for r in budget_rows()]
    path = INBOX / "budget_lines" / "execution_budget_etat_2019_2024.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def write_local_government_budgets() -> None:
    """Regional transfers, in millions of FCFA as the DGCT tables give them (XLSX, one sheet per year)."""
    wb = Workbook()
    wb.remove(wb.active)
    regions = [
        ("Kayes", "ML01"),
        ("Koulikoro", "ML02"),
        ("Sikasso", "ML03"),
        ("Ségou", "ML04"),
        ("Mopti", "ML05"),
        ("Tombouctou", "ML06"),
        ("Gao", "ML07"),
        ("Kidal", "ML08"),
        ("Bamako", "ML09"),
        ("Ménaka", "ML10"),
    ]
    weights = [0.12, 0.13, 0.14, 0.12, 0.11, 0.08, 0.08, 0.04, 0.14, 0.04]
    for year, total in ((2022, 472_000), (2023, 475_000), (2024, 530_000)):
        ws = wb.create_sheet(f"Transferts {year}")
        ws.append([f"Transferts de l'État aux collectivités territoriales - {year}"])
        ws.append([])
        ws.append(
            [
                "Exercice",
                "Niveau",
                "Région",
                "Code région",
                "Institution",
                "Libellé",
                "Nature économique",
                "Dotation (millions FCFA)",
                "Engagement (millions FCFA)",
                "Liquidation (millions FCFA)",
                "Ordonnancement (millions FCFA)",
                "Paiement (millions FCFA)",
            ]
        )
        stage = EXECUTION[year]
        for (region, pcode), w in zip(regions, weights, strict=True):
            dot = round(total * w, 1)
            ws.append(
                [
                    year,
                    "Région",
                    region,
                    pcode,
                    f"Conseil régional de {region}",
                    "Transferts aux collectivités territoriales (santé, éducation, hydraulique)",
                    "Transferts",
                    dot,
                    *[round(dot * s, 1) for s in stage],
                ]
            )
    path = INBOX / "budget_lines" / "transferts_collectivites_2022_2024.xlsx"
    wb.save(path)


# --- Partner reports ----------------------------------------------------------------------------------
def write_partner_report_csv() -> None:
    """Nutrition partners' quarterly 3W, French Excel CSV (cp1252, ';', title row, HXL row, FCFA in cells)."""
    header = [
        "Partenaire",
        "Bailleur",
        "Région",
        "Cercle",
        "Commune",
        "Secteur",
        "Activité",
        "Date de début",
        "Date de fin",
        "Budget prévu",
        "Montant dépensé",
        "Bénéficiaires ciblés",
        "Bénéficiaires atteints",
        "Statut",
    ]
    hxl = [
        "#org+impl",
        "#org+funder",
        "#adm1+name",
        "#adm2+name",
        "#adm3+name",
        "#sector",
        "#activity",
        "#date+start",
        "#date+end",
        "#value+budget",
        "#value+spent",
        "#targeted",
        "#reached",
        "#status",
    ]
    data = [
        [
            "HKI",
            "USAID",
            "Sikasso",
            "Koutiala",
            "Koutiala",
            "Nutrition",
            "Dépistage de la malnutrition aiguë",
            "01/01/2024",
            "31/03/2024",
            f"{fr(45_000_000)} FCFA",
            f"{fr(38_500_000)} FCFA",
            "12 000",
            "10 450",
            "En cours",
        ],
        [
            "Action Contre la Faim",
            "ECHO",
            "Mopti",
            "Ténenkou",
            "Ténenkou",
            "Nutrition",
            "Prise en charge de la malnutrition aiguë sévère",
            "01/01/2024",
            "31/03/2024",
            f"{fr(120_000_000)} F CFA",
            f"{fr(97_250_000)} F CFA",
            "3 500",
            "3 120",
            "En cours",
        ],
        [
            "World Vision",
            "PAM",
            "Ségou",
            "Ségou",
            "Pelengana",
            "Sécurité alimentaire",
            "Transferts monétaires saisonniers",
            "01/01/2024",
            "31/03/2024",
            "250 000 000",
            "231 400 000,50",
            "8 000",
            "7 640",
            "Achevé",
        ],
        [
            "OMAES",
            "Fonds commun SUN",
            "Bamako",
            "Bamako",
            "Commune IV",
            "Nutrition",
            "Plaidoyer budgétaire auprès de l'Assemblée nationale",
            "01/01/2024",
            "31/03/2024",
            "15 000 000",
            "14 200 000",
            "",
            "",
            "Achevé",
        ],
        [
            "Croix-Rouge malienne",
            "UNICEF",
            "Gao",
            "Ansongo",
            "Ansongo",
            "WASH",
            "Réhabilitation de forages pastoraux",
            "01/01/2024",
            "31/03/2024",
            "64.000.000",
            "21.500.000",
            "6 000",
            "2 100",
            "En cours",
        ],
    ]
    lines = ["Cluster Nutrition Mali - Matrice 3W - 1er trimestre 2024", "", ";".join(header), ";".join(hxl)]
    lines += [";".join(r) for r in data]
    path = INBOX / "partner_reports" / "3W_nutrition_T1_2024.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def write_partner_report_xlsx() -> None:
    """Early-recovery and stabilisation partners, English headers, USD, Excel dates, two sheets."""
    import datetime as dt

    wb = Workbook()
    ws = wb.active
    ws.title = "3W T2 2024"
    ws.append(["Early Recovery Cluster - 3W - Q2 2024"])
    ws.append(
        [
            "Organization",
            "Donor",
            "Region",
            "Cercle",
            "Commune",
            "Sector",
            "Activity",
            "Start date",
            "End date",
            "Planned budget (USD)",
            "Amount spent (USD)",
            "Targeted",
            "Reached",
            "Status",
        ]
    )
    ws.append(
        [
            "PNUD",
            "Union européenne",
            "Tombouctou",
            "Goundam",
            "Goundam",
            "Relèvement précoce",
            "Réhabilitation de marchés communaux",
            dt.date(2024, 4, 1),
            dt.date(2024, 6, 30),
            350000,
            212500.75,
            4000,
            2600,
            "En cours",
        ]
    )
    ws.append(
        [
            "OIM",
            "ECHO",
            "Ménaka",
            "Ménaka",
            "Ménaka",
            "Stabilisation",
            "Réinsertion socio-économique des jeunes",
            dt.date(2024, 4, 1),
            dt.date(2024, 6, 30),
            500000,
            480000,
            900,
            870,
            "Achevé",
        ]
    )
    ws.append(
        [
            "PNUD",
            "Fenêtre nationale stabilisation",
            "Mopti",
            "Douentza",
            "Douentza",
            "Stabilisation",
            "Appui aux services sociaux de base par commune",
            dt.date(2024, 4, 1),
            dt.date(2024, 6, 30),
            275000,
            140000,
            5000,
            1800,
            "En cours",
        ]
    )
    notes = wb.create_sheet("Notes")
    notes.append(["Montants en dollars US, taux de la date de fin de période."])
    wb.save(INBOX / "partner_reports" / "3W_relevement_precoce_T2_2024.xlsx")


# --- Commitment tracker --------------------------------------------------------------------------------
COMMITMENTS = [
    # id, made at, made on, holder, kind, description, baseline, target, target share, delivered, deadline,
    # status, status date, evidence
    (
        "ENG-2019-01",
        "Forum national sur la nutrition 2019",
        "2019-11-15",
        "Gouvernement du Mali (Primature)",
        "Financier",
        "Doubler les fonds alloués à la nutrition dans le budget national",
        None,
        None,
        None,
        None,
        "31/12/2023",
        "En cours",
        "2021-06-30",
        "Ligne ATPE de 600 000 000 FCFA inscrite au budget national 2020",
    ),
    (
        "ENG-2019-01",
        "Forum national sur la nutrition 2019",
        "2019-11-15",
        "Gouvernement du Mali (Primature)",
        "Financier",
        "Doubler les fonds alloués à la nutrition dans le budget national",
        None,
        None,
        None,
        None,
        "31/12/2023",
        "Hors trajectoire",
        "2024-03-31",
        "Analyse budgétaire de la société civile 2024",
    ),
    (
        "ENG-2018-30PCT",
        "Politique de décentralisation",
        "2017-12-31",
        "Gouvernement du Mali",
        "Financier",
        "Transférer 30 % du budget national aux collectivités territoriales",
        None,
        None,
        "30%",
        None,
        "31/12/2018",
        "Non réalisé",
        "2018-05-20",
        "Atelier protection sociale 2018 : les transferts de fonds ne suivent pas les textes",
    ),
    (
        "SUN-2014-01",
        "Comité de pilotage Alliance SUN Mali",
        "2014-10-13",
        "Comité de pilotage Alliance SUN",
        "Programme",
        "Élaborer les termes de référence de la formation en plaidoyer et les soumettre au comité",
        None,
        None,
        None,
        None,
        "24/11/2014",
        "Réalisé",
        "2014-11-24",
        "",
    ),
    (
        "SUN-2014-02",
        "Comité de pilotage Alliance SUN Mali",
        "2014-10-13",
        "Membres du comité de pilotage",
        "Programme",
        "Retour des réactions sur les termes de référence et propositions",
        None,
        None,
        None,
        None,
        "28/11/2014",
        "Réalisé",
        "2014-11-28",
        "",
    ),
    (
        "SUN-2014-03",
        "Comité de pilotage Alliance SUN Mali",
        "2014-10-13",
        "Comité de pilotage Alliance SUN",
        "Programme",
        "Atelier national de présentation de l'outil PROFILES",
        None,
        None,
        None,
        None,
        "4 décembre 2014",
        "Non réalisé",
        "2014-12-31",
        "",
    ),
    (
        "SUN-2014-04",
        "Comité de pilotage Alliance SUN Mali",
        "2014-10-13",
        "OMAES",
        "Politique",
        "Séance de plaidoyer auprès du Ministère des finances avec l'outil PROFILES",
        None,
        None,
        None,
        None,
        "",
        "En cours",
        "2014-10-13",
        "",
    ),
    (
        "SUN-2014-05",
        "Comité de pilotage Alliance SUN Mali",
        "2014-10-13",
        "World Vision (avec CSPEEDA)",
        "Politique",
        "Séance de plaidoyer sur le financement de la nutrition auprès de l'Assemblée nationale",
        None,
        None,
        None,
        None,
        "31/12/2014",
        "",
        "",
        "",
    ),
    (
        "CRP-2016-01",
        "Réunion du Cluster Relèvement Précoce",
        "2016-11-15",
        "DNDS",
        "Programme",
        "Partager les plans d'action et les contacts des bureaux régionaux avec les partenaires du CRP",
        None,
        None,
        None,
        None,
        "22/11/2016",
        "Réalisé",
        "2016-11-22",
        "",
    ),
    (
        "CRP-2016-02",
        "Réunion du Cluster Relèvement Précoce",
        "2016-11-15",
        "MINUSMA/DDR",
        "Programme",
        "Partager le fichier standard de préparation et de soumission des projets DDR",
        None,
        None,
        None,
        None,
        "30/11/2016",
        "Réalisé",
        "2016-12-01",
        "",
    ),
    (
        "CRP-2016-03",
        "Réunion du Cluster Relèvement Précoce",
        "2016-11-15",
        "Partenaires du CRP avec l'appui du coordinateur",
        "Programme",
        "Élaborer et soumettre des propositions de projets DDR à la MINUSMA",
        None,
        None,
        None,
        None,
        "La date limite sera communiquée ultérieurement",
        "En cours",
        "2016-11-15",
        "",
    ),
    (
        "CRP-2016-04",
        "Réunion du Cluster Relèvement Précoce",
        "2016-11-15",
        "Partenaires du CRP",
        "Programme",
        "Envoyer au coordinateur le profil de l'organisation (régions, activités réalisées et en cours)",
        None,
        None,
        None,
        None,
        "22/11/2016",
        "Réalisé",
        "2016-11-25",
        "",
    ),
    (
        "CRP-2016-05",
        "Réunion du Cluster Relèvement Précoce",
        "2016-11-15",
        "Coordinateur du CRP",
        "Programme",
        "Envoyer les profils des partenaires à la MINUSMA/DDR",
        None,
        None,
        None,
        None,
        "23/11/2016",
        "Réalisé",
        "2016-11-28",
        "",
    ),
    (
        "CRP-2016-06",
        "Réunion du Cluster Relèvement Précoce",
        "2016-11-15",
        "Coordinateur du CRP",
        "Programme",
        "Identifier et engager de nouveaux partenaires du gouvernement et du secteur privé",
        None,
        None,
        None,
        None,
        "05/12/2016",
        "En cours",
        "2016-12-05",
        "",
    ),
    (
        "CRP-2016-07",
        "Réunion du Cluster Relèvement Précoce",
        "2016-11-15",
        "Coordinateur du CRP",
        "Programme",
        "Élaborer un brouillon de plan trimestriel du CRP",
        None,
        None,
        None,
        None,
        "05/12/2016",
        "",
        "",
        "",
    ),
    (
        "STAB-2024-01",
        "Comité technique du projet stabilisation",
        "2024-06-21",
        "DNF/MATD",
        "Programme",
        "Vérifier l'envoi de la lettre au ministère destinataire pour la réunion du comité de pilotage",
        None,
        None,
        None,
        None,
        "31/07/2024",
        "Réalisé",
        "2024-06-21",
        "Accusé de réception partagé avec les membres du comité technique",
    ),
    (
        "STAB-2024-02",
        "Comité technique du projet stabilisation",
        "2024-06-21",
        "Suivi-évaluation du projet stabilisation (PNUD)",
        "Programme",
        "Réajuster les termes de référence de la visite de terrain du comité technique",
        None,
        None,
        None,
        None,
        "22/07/2024",
        "En cours",
        "2024-07-10",
        "Deux véhicules alloués par les ministères",
    ),
    (
        "STAB-2024-03",
        "Comité technique du projet stabilisation",
        "2024-06-21",
        "Suivi-évaluation du projet stabilisation (PNUD)",
        "Programme",
        "Créer un groupe de communication informel des membres du comité technique",
        None,
        None,
        None,
        None,
        "21/06/2024",
        "Réalisé",
        "2024-06-21",
        "",
    ),
    (
        "STAB-2024-04",
        "Comité technique du projet stabilisation",
        "2024-06-21",
        "Projet stabilisation (PNUD)",
        "Programme",
        "Partager un rapport détaillé des réalisations par commune avec des budgets détaillés",
        None,
        None,
        None,
        None,
        "30/09/2024",
        "",
        "",
        "",
    ),
]


def write_commitments() -> None:
    wb = Workbook()
    readme = wb.active
    readme.title = "Lisez-moi"
    readme.append(["Suivi des engagements et des points d'action des plateformes de coordination."])
    readme.append(["Une ligne par mise à jour de statut ; l'identifiant relie les mises à jour d'un engagement."])
    ws = wb.create_sheet("Engagements")
    ws.append(
        [
            "Identifiant",
            "Cadre",
            "Date de l'engagement",
            "Responsable",
            "Type",
            "Description",
            "Valeur de base",
            "Cible",
            "Cible en pourcentage",
            "Réalisé",
            "Échéance",
            "Statut",
            "Date du statut",
            "Preuve",
        ]
    )
    for row in COMMITMENTS:
        ws.append(list(row))
    wb.save(INBOX / "commitments" / "suivi_engagements.xlsx")


# --- IATI and FTS, in the formats their publishers use ---------------------------------------------------
IATI_XML = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2025-01-15T00:00:00Z">
 <iati-activity default-currency="EUR" humanitarian="1" hierarchy="1" last-updated-datetime="2025-01-10T00:00:00Z">
  <iati-identifier>XM-EXEMPLE-DON-ML-NUT-2023-01</iati-identifier>
  <reporting-org ref="XM-EXEMPLE-DON" type="10"><narrative xml:lang="fr">Bailleur exemple</narrative></reporting-org>
  <title><narrative xml:lang="fr">Prise en charge de la malnutrition aiguë au Mali et au Niger</narrative>
   <narrative xml:lang="en">Treatment of acute malnutrition in Mali and Niger</narrative></title>
  <description><narrative xml:lang="fr">Achat d'ATPE et appui aux CSCOM.</narrative></description>
  <participating-org ref="XM-EXEMPLE-DON" role="1" type="10"><narrative>Bailleur exemple</narrative></participating-org>
  <participating-org ref="XM-DAC-41122" role="2" type="40"><narrative>UNICEF</narrative></participating-org>
  <participating-org role="4" type="22"><narrative>Action Contre la Faim</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date iso-date="2023-01-01" type="1"/><activity-date iso-date="2023-02-01" type="2"/>
  <activity-date iso-date="2024-12-31" type="3"/>
  <contact-info type="1"><person-name><narrative>Ne pas charger</narrative></person-name>
   <email>personne@example.org</email><telephone>+223 76 00 00 00</telephone></contact-info>
  <recipient-country code="ML" percentage="70"/>
  <recipient-country code="NE" percentage="30"/>
  <location><location-reach code="1"/><name><narrative>Mopti</narrative></name>
   <administrative vocabulary="G1" level="1" code="ML05"/><point srsName="http://www.opengis.net/def/crs/EPSG/0/4326"><pos>14.49 -4.19</pos></point></location>
  <sector vocabulary="1" code="12240" percentage="80"/>
  <sector vocabulary="1" code="72040" percentage="20"/>
  <budget type="1" status="2"><period-start iso-date="2023-01-01"/><period-end iso-date="2023-12-31"/>
   <value currency="EUR" value-date="2023-01-01">1500000</value></budget>
  <budget type="2" status="2"><period-start iso-date="2023-01-01"/><period-end iso-date="2023-12-31"/>
   <value currency="EUR" value-date="2023-06-30">1800000</value></budget>
  <transaction><transaction-type code="2"/><transaction-date iso-date="2023-02-01"/>
   <value currency="EUR" value-date="2023-02-01">1800000</value>
   <provider-org ref="XM-EXEMPLE-DON"><narrative>Bailleur exemple</narrative></provider-org>
   <receiver-org ref="XM-DAC-41122"><narrative>UNICEF</narrative></receiver-org></transaction>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2023-03-15"/>
   <value currency="EUR" value-date="2023-03-15">1000000</value>
   <receiver-org ref="XM-DAC-41122"><narrative>UNICEF</narrative></receiver-org></transaction>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2024-01-20"/>
   <value currency="EUR" value-date="2024-01-20">-50000</value>
   <description><narrative xml:lang="fr">Désengagement du solde non utilisé</narrative></description></transaction>
 </iati-activity>
 <iati-activity default-currency="USD" humanitarian="0">
  <iati-identifier>XM-EXEMPLE-ONG-ML-PS-2024-02</iati-identifier>
  <reporting-org ref="XM-EXEMPLE-ONG" type="21"><narrative>ONG internationale exemple</narrative></reporting-org>
  <title><narrative xml:lang="fr">Transferts monétaires et protection sociale adaptative - Ségou</narrative></title>
  <participating-org ref="XM-EXEMPLE-ONG" role="4" type="21"><narrative>ONG internationale exemple</narrative></participating-org>
  <participating-org ref="XM-DAC-41140" role="1" type="40"><narrative>PAM</narrative></participating-org>
  <activity-status code="2"/>
  <recipient-country code="ML" percentage="100"/>
  <sector vocabulary="1" code="16010"/>
  <budget type="1"><period-start iso-date="2024-01-01"/><period-end iso-date="2024-12-31"/>
   <value value-date="2024-01-01">400000</value></budget>
  <transaction><transaction-type code="1"/><transaction-date iso-date="2024-02-10"/>
   <value value-date="2024-02-10">400000</value>
   <provider-org ref="XM-DAC-41140" provider-activity-id="XM-DAC-41140-ML-2024"><narrative>PAM</narrative></provider-org></transaction>
  <transaction><transaction-type code="4"/><transaction-date iso-date="2024-06-30"/>
   <value currency="XOF" value-date="2024-06-30">98500000</value></transaction>
 </iati-activity>
</iati-activities>
"""


def _fts_flow(
    flow_id,
    amount_usd,
    status,
    flow_type="Standard",
    original=None,
    parent=None,
    children=None,
    donor=("Bailleur exemple", "9001"),
    recipient=("UNICEF", "2908"),
    cluster="Nutrition",
):
    return {
        "id": str(flow_id),
        "versionId": 1,
        "amountUSD": amount_usd,
        "status": status,
        "flowType": flow_type,
        "contributionType": "financial",
        "method": "Traditional aid",
        "boundary": "incoming",
        "onBoundary": "single",
        "date": "2024-03-31T00:00:00Z",
        "decisionDate": "2024-02-15T00:00:00Z",
        "firstReportedDate": "2024-02-20T00:00:00Z",
        "budgetYear": None,
        "newMoney": True,
        "originalAmount": original[0] if original else None,
        "originalCurrency": original[1] if original else None,
        "exchangeRate": original[2] if original else None,
        "parentFlowId": parent,
        "childFlowIds": children,
        "description": f"{cluster} - Mali 2024",
        "keywords": None,
        "refCode": f"EX-{flow_id}",
        "createdAt": "2024-02-20T10:00:00.000Z",
        "updatedAt": "2024-04-01T10:00:00.000Z",
        "sourceObjects": [
            {
                "type": "Organization",
                "id": donor[1],
                "name": donor[0],
                "behavior": "single",
                "organizationTypes": ["Government"],
            },
            {"type": "UsageYear", "id": "45", "name": "2024", "behavior": "single"},
        ],
        "destinationObjects": [
            {
                "type": "Organization",
                "id": recipient[1],
                "name": recipient[0],
                "behavior": "single",
                "organizationTypes": ["UN agency"],
            },
            {"type": "Location", "id": "137", "name": "Mali", "behavior": "single"},
            {"type": "Plan", "id": "1190", "name": "Mali Humanitarian Response Plan 2024", "behavior": "single"},
            {"type": "GlobalCluster", "id": "10", "name": cluster, "behavior": "single"},
            {"type": "UsageYear", "id": "45", "name": "2024", "behavior": "single"},
        ],
        "reportDetails": [
            {"sourceType": "Primary", "organization": donor[0], "reportChannel": "FTS Web", "date": "2024-02-20"}
        ],
    }


def write_fts_pages() -> None:
    """Two pages of an FTS flow search for Mali 2024, the first pointing to the second by meta.nextLink."""
    pages = [
        [
            _fts_flow(900001, 2_000_000, "commitment", "Parked", children=[900002, 900003]),
            _fts_flow(900002, 1_200_000, "paid", parent=900001),
            _fts_flow(900003, 800_000, "paid", parent=900001, recipient=("Action Contre la Faim", "2917")),
        ],
        [
            _fts_flow(900004, 457_331, "paid", original=(250_000_000, "XOF", 546.65)),
            _fts_flow(900005, 300_000, "pledge", cluster="Food Security"),
            _fts_flow(
                900006,
                150_000,
                "paid",
                "Pass through",
                donor=("UNICEF", "2908"),
                recipient=("Action Contre la Faim", "2917"),
            ),
        ],
    ]
    folder = INBOX / "fts"
    folder.mkdir(parents=True, exist_ok=True)
    for number, flows in enumerate(pages, 1):
        meta = {"language": "en", "count": sum(len(p) for p in pages)}
        if number < len(pages):
            meta["nextLink"] = f"https://api.hpc.tools/v1/public/fts/flow?locationid=137&year=2024&page={number + 1}"
        body = {"status": "ok", "data": {"flows": flows}, "meta": meta}
        (folder / f"fts_mali_2024_page_{number}.json").write_text(
            json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8"
        )


def write_iati() -> None:
    folder = INBOX / "iati"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "activites_mali_exemple.xml").write_text(IATI_XML, encoding="utf-8")


# The inbox's settings: a profile matching every file (ingest/profiles.py). Mali's platform: "FCFA" is XOF.
INBOX_PROFILE = """\
# Réglages de la boîte de réception : s'appliquent à tous les fichiers ; le profil d'une source les précise.
# Inbox settings: they apply to every file; a source's own profile refines them.
fichiers: "*"
pays: ML   # FCFA = XOF (franc CFA de l'Afrique de l'Ouest) ; un fichier sans pays est du Mali
"""


def write_inbox_profile() -> None:
    folder = INBOX / "_profils"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "boite.yml").write_text(INBOX_PROFILE, encoding="utf-8")


def main() -> None:
    (INBOX / "commitments").mkdir(parents=True, exist_ok=True)
    write_inbox_profile()
    write_iati()
    write_fts_pages()
    write_budget_lines()
    write_local_government_budgets()
    write_partner_report_csv()
    write_partner_report_xlsx()
    write_commitments()


if __name__ == "__main__":
    main()
