"""Write the bundled sample inbox (sample_data/inbox/), the way partners and ministries send files.

Derived from the domain brief and the seed documents: the 2020 line of 600 000 000 FCFA for ready-to-use
therapeutic food, the 2019 pledge to double nutrition funding, the pledge to transfer 30% of the budget to
local governments, and the action points of the meetings of 13/10/2014, 15/11/2016 and 21/06/2024.
Every other amount is illustrative. Organisations and roles only: no person's name, e-mail or phone.

    python sample_data/build_sample_inbox.py
"""

from __future__ import annotations

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
    ("Ministère de la Santé et du Développement social", "2.071.01", "Santé publique", "Nutrition",
     "Cellule de Coordination de la Nutrition - fonctionnement", "Biens et services", "Intérieur", 250_000_000, 0.05),
    ("Ministère de la Santé et du Développement social", "2.071.02", "Santé publique", "Nutrition",
     "Prise en charge de la malnutrition aiguë dans les CSCOM", "Biens et services", "Extérieur", 1_400_000_000, 0.08),
    ("Ministère de la Santé et du Développement social", "2.071.05", "Santé publique", "Vaccination",
     "Programme élargi de vaccination", "Biens et services", "Intérieur", 3_500_000_000, 0.03),
    ("Ministère de l'Éducation nationale", "2.082.03", "Éducation de base", "Cantines scolaires",
     "Cantines scolaires et alimentation des élèves", "Transferts", "Intérieur", 2_000_000_000, 0.04),
    ("Ministère de l'Agriculture", "2.091.04", "Production agricole", "Sécurité alimentaire",
     "Appui à la production maraîchère des femmes", "Investissement", "Extérieur", 900_000_000, 0.06),
    ("Ministère de l'Énergie et de l'Eau", "2.101.02", "Hydraulique", "Eau potable",
     "Hydraulique villageoise - forages et adductions d'eau", "Investissement", "Extérieur", 5_200_000_000, 0.05),
    ("Ministère de la Santé et du Développement social", "2.072.01", "Protection sociale", "Filets sociaux",
     "Transferts monétaires aux ménages vulnérables", "Transferts", "Extérieur", 4_000_000_000, 0.07),
    ("Ministère de l'Administration territoriale", "2.111.01", "Décentralisation", "Transferts aux CT",
     "Transferts aux collectivités territoriales (santé, éducation, hydraulique)", "Transferts", "Intérieur",
     420_000_000_000, 0.06),
    ("Ministère de l'Économie et des Finances", "2.121.09", "Administration générale", "Autres dépenses",
     "Autres dépenses de l'État (agrégé)", "Personnel", "Intérieur", 1_650_000_000_000, 0.04),
    ("Ministère des Transports et des Infrastructures", "2.131.02", "Routes", "Entretien routier",
     "Entretien courant du réseau routier", "Investissement", "Intérieur", 60_000_000_000, 0.02),
]
RUTF = ("Ministère de la Santé et du Développement social", "2.071.09", "Santé publique", "Nutrition",
        "Achat d'aliments thérapeutiques prêts à l'emploi (ATPE)", "Biens et services", "Intérieur")
# Share of the dotation reached by each stage (engagement, liquidation, ordonnancement, paiement), by year.
EXECUTION = {
    2019: (0.92, 0.88, 0.85, 0.80), 2020: (0.90, 0.86, 0.82, 0.78), 2021: (0.88, 0.84, 0.80, 0.74),
    2022: (0.85, 0.80, 0.76, 0.70), 2023: (0.83, 0.78, 0.73, 0.66), 2024: (0.55, 0.45, 0.40, 0.31),
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
                rows.append([str(year), version, "National", "", inst, code, prog, action, label, nature, origin,
                             fr(dot), *stages])
    return rows


def write_budget_lines() -> None:
    header = ["Exercice", "Version", "Niveau", "Région", "Institution", "Imputation", "Programme", "Action",
              "Libellé", "Nature économique", "Origine du financement", "Dotation (FCFA)", "Engagement",
              "Liquidation", "Ordonnancement", "Paiement"]
    lines = ["Direction Générale du Budget - Exécution du budget de l'État 2019-2024", ""]
    lines += [";".join(header)] + [";".join(r) for r in budget_rows()]
    path = INBOX / "budget_lines" / "execution_budget_etat_2019_2024.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def write_local_government_budgets() -> None:
    """Regional transfers, in millions of FCFA as the DGCT tables give them (XLSX, one sheet per year)."""
    wb = Workbook()
    wb.remove(wb.active)
    regions = [("Kayes", "ML01"), ("Koulikoro", "ML02"), ("Sikasso", "ML03"), ("Ségou", "ML04"),
               ("Mopti", "ML05"), ("Tombouctou", "ML06"), ("Gao", "ML07"), ("Kidal", "ML08"),
               ("Bamako", "ML09"), ("Ménaka", "ML10")]
    weights = [0.12, 0.13, 0.14, 0.12, 0.11, 0.08, 0.08, 0.04, 0.14, 0.04]
    for year, total in ((2022, 472_000), (2023, 475_000), (2024, 530_000)):
        ws = wb.create_sheet(f"Transferts {year}")
        ws.append([f"Transferts de l'État aux collectivités territoriales - {year}"])
        ws.append([])
        ws.append(["Exercice", "Niveau", "Région", "Code région", "Institution", "Libellé",
                   "Nature économique", "Dotation (millions FCFA)", "Engagement (millions FCFA)",
                   "Liquidation (millions FCFA)", "Ordonnancement (millions FCFA)", "Paiement (millions FCFA)"])
        stage = EXECUTION[year]
        for (region, pcode), w in zip(regions, weights):
            dot = round(total * w, 1)
            ws.append([year, "Région", region, pcode, f"Conseil régional de {region}",
                       "Transferts aux collectivités territoriales (santé, éducation, hydraulique)", "Transferts",
                       dot, *[round(dot * s, 1) for s in stage]])
    path = INBOX / "budget_lines" / "transferts_collectivites_2022_2024.xlsx"
    wb.save(path)


# --- Partner reports ----------------------------------------------------------------------------------
def write_partner_report_csv() -> None:
    """Nutrition partners' quarterly 3W, French Excel CSV (cp1252, ';', title row, HXL row, FCFA in cells)."""
    header = ["Partenaire", "Bailleur", "Région", "Cercle", "Commune", "Secteur", "Activité", "Date de début",
              "Date de fin", "Budget prévu", "Montant dépensé", "Bénéficiaires ciblés", "Bénéficiaires atteints",
              "Statut"]
    hxl = ["#org+impl", "#org+funder", "#adm1+name", "#adm2+name", "#adm3+name", "#sector", "#activity",
           "#date+start", "#date+end", "#value+budget", "#value+spent", "#targeted", "#reached", "#status"]
    data = [
        ["HKI", "USAID", "Sikasso", "Koutiala", "Koutiala", "Nutrition", "Dépistage de la malnutrition aiguë",
         "01/01/2024", "31/03/2024", f"{fr(45_000_000)} FCFA", f"{fr(38_500_000)} FCFA", "12 000", "10 450",
         "En cours"],
        ["Action Contre la Faim", "ECHO", "Mopti", "Ténenkou", "Ténenkou", "Nutrition",
         "Prise en charge de la malnutrition aiguë sévère", "01/01/2024", "31/03/2024", f"{fr(120_000_000)} F CFA",
         f"{fr(97_250_000)} F CFA", "3 500", "3 120", "En cours"],
        ["World Vision", "PAM", "Ségou", "Ségou", "Pelengana", "Sécurité alimentaire",
         "Transferts monétaires saisonniers", "01/01/2024", "31/03/2024", "250 000 000", "231 400 000,50",
         "8 000", "7 640", "Achevé"],
        ["OMAES", "Fonds commun SUN", "Bamako", "Bamako", "Commune IV", "Nutrition",
         "Plaidoyer budgétaire auprès de l'Assemblée nationale", "01/01/2024", "31/03/2024", "15 000 000",
         "14 200 000", "", "", "Achevé"],
        ["Croix-Rouge malienne", "UNICEF", "Gao", "Ansongo", "Ansongo", "WASH",
         "Réhabilitation de forages pastoraux", "01/01/2024", "31/03/2024", "64.000.000", "21.500.000",
         "6 000", "2 100", "En cours"],
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
    ws.append(["Organization", "Donor", "Region", "Cercle", "Commune", "Sector", "Activity", "Start date",
               "End date", "Planned budget (USD)", "Amount spent (USD)", "Targeted", "Reached", "Status"])
    ws.append(["PNUD", "Union européenne", "Tombouctou", "Goundam", "Goundam", "Relèvement précoce",
               "Réhabilitation de marchés communaux", dt.date(2024, 4, 1), dt.date(2024, 6, 30), 350000, 212500.75,
               4000, 2600, "En cours"])
    ws.append(["OIM", "ECHO", "Ménaka", "Ménaka", "Ménaka", "Stabilisation",
               "Réinsertion socio-économique des jeunes", dt.date(2024, 4, 1), dt.date(2024, 6, 30), 500000, 480000,
               900, 870, "Achevé"])
    ws.append(["PNUD", "Fenêtre nationale stabilisation", "Mopti", "Douentza", "Douentza", "Stabilisation",
               "Appui aux services sociaux de base par commune", dt.date(2024, 4, 1), dt.date(2024, 6, 30), 275000,
               140000, 5000, 1800, "En cours"])
    notes = wb.create_sheet("Notes")
    notes.append(["Montants en dollars US, taux de la date de fin de période."])
    wb.save(INBOX / "partner_reports" / "3W_relevement_precoce_T2_2024.xlsx")


# --- Commitment tracker --------------------------------------------------------------------------------
COMMITMENTS = [
    # id, made at, made on, holder, kind, description, baseline, target, target share, delivered, deadline,
    # status, status date, evidence
    ("ENG-2019-01", "Forum national sur la nutrition 2019", "2019-11-15", "Gouvernement du Mali (Primature)",
     "Financier", "Doubler les fonds alloués à la nutrition dans le budget national", None, None, None, None,
     "31/12/2023", "En cours", "2021-06-30",
     "Ligne ATPE de 600 000 000 FCFA inscrite au budget national 2020"),
    ("ENG-2019-01", "Forum national sur la nutrition 2019", "2019-11-15", "Gouvernement du Mali (Primature)",
     "Financier", "Doubler les fonds alloués à la nutrition dans le budget national", None, None, None, None,
     "31/12/2023", "Hors trajectoire", "2024-03-31", "Analyse budgétaire de la société civile 2024"),
    ("ENG-2018-30PCT", "Politique de décentralisation", "2017-12-31", "Gouvernement du Mali",
     "Financier", "Transférer 30 % du budget national aux collectivités territoriales", None, None, "30%", None,
     "31/12/2018", "Non réalisé", "2018-05-20",
     "Atelier protection sociale 2018 : les transferts de fonds ne suivent pas les textes"),
    ("SUN-2014-01", "Comité de pilotage Alliance SUN Mali", "2014-10-13", "Comité de pilotage Alliance SUN",
     "Programme", "Élaborer les termes de référence de la formation en plaidoyer et les soumettre au comité",
     None, None, None, None, "24/11/2014", "Réalisé", "2014-11-24", ""),
    ("SUN-2014-02", "Comité de pilotage Alliance SUN Mali", "2014-10-13", "Membres du comité de pilotage",
     "Programme", "Retour des réactions sur les termes de référence et propositions", None, None, None, None,
     "28/11/2014", "Réalisé", "2014-11-28", ""),
    ("SUN-2014-03", "Comité de pilotage Alliance SUN Mali", "2014-10-13", "Comité de pilotage Alliance SUN",
     "Programme", "Atelier national de présentation de l'outil PROFILES", None, None, None, None,
     "4 décembre 2014", "Non réalisé", "2014-12-31", ""),
    ("SUN-2014-04", "Comité de pilotage Alliance SUN Mali", "2014-10-13", "OMAES",
     "Politique", "Séance de plaidoyer auprès du Ministère des finances avec l'outil PROFILES", None, None, None,
     None, "", "En cours", "2014-10-13", ""),
    ("SUN-2014-05", "Comité de pilotage Alliance SUN Mali", "2014-10-13", "World Vision (avec CSPEEDA)",
     "Politique", "Séance de plaidoyer sur le financement de la nutrition auprès de l'Assemblée nationale",
     None, None, None, None, "31/12/2014", "", "", ""),
    ("CRP-2016-01", "Réunion du Cluster Relèvement Précoce", "2016-11-15", "DNDS", "Programme",
     "Partager les plans d'action et les contacts des bureaux régionaux avec les partenaires du CRP", None, None,
     None, None, "22/11/2016", "Réalisé", "2016-11-22", ""),
    ("CRP-2016-02", "Réunion du Cluster Relèvement Précoce", "2016-11-15", "MINUSMA/DDR", "Programme",
     "Partager le fichier standard de préparation et de soumission des projets DDR", None, None, None, None,
     "30/11/2016", "Réalisé", "2016-12-01", ""),
    ("CRP-2016-03", "Réunion du Cluster Relèvement Précoce", "2016-11-15",
     "Partenaires du CRP avec l'appui du coordinateur", "Programme",
     "Élaborer et soumettre des propositions de projets DDR à la MINUSMA", None, None, None, None,
     "La date limite sera communiquée ultérieurement", "En cours", "2016-11-15", ""),
    ("CRP-2016-04", "Réunion du Cluster Relèvement Précoce", "2016-11-15", "Partenaires du CRP", "Programme",
     "Envoyer au coordinateur le profil de l'organisation (régions, activités réalisées et en cours)", None,
     None, None, None, "22/11/2016", "Réalisé", "2016-11-25", ""),
    ("CRP-2016-05", "Réunion du Cluster Relèvement Précoce", "2016-11-15", "Coordinateur du CRP", "Programme",
     "Envoyer les profils des partenaires à la MINUSMA/DDR", None, None, None, None, "23/11/2016", "Réalisé",
     "2016-11-28", ""),
    ("CRP-2016-06", "Réunion du Cluster Relèvement Précoce", "2016-11-15", "Coordinateur du CRP", "Programme",
     "Identifier et engager de nouveaux partenaires du gouvernement et du secteur privé", None, None, None, None,
     "05/12/2016", "En cours", "2016-12-05", ""),
    ("CRP-2016-07", "Réunion du Cluster Relèvement Précoce", "2016-11-15", "Coordinateur du CRP", "Programme",
     "Élaborer un brouillon de plan trimestriel du CRP", None, None, None, None, "05/12/2016", "", "", ""),
    ("STAB-2024-01", "Comité technique du projet stabilisation", "2024-06-21", "DNF/MATD", "Programme",
     "Vérifier l'envoi de la lettre au ministère destinataire pour la réunion du comité de pilotage", None, None,
     None, None, "31/07/2024", "Réalisé", "2024-06-21",
     "Accusé de réception partagé avec les membres du comité technique"),
    ("STAB-2024-02", "Comité technique du projet stabilisation", "2024-06-21",
     "Suivi-évaluation du projet stabilisation (PNUD)", "Programme",
     "Réajuster les termes de référence de la visite de terrain du comité technique", None, None, None, None,
     "22/07/2024", "En cours", "2024-07-10", "Deux véhicules alloués par les ministères"),
    ("STAB-2024-03", "Comité technique du projet stabilisation", "2024-06-21",
     "Suivi-évaluation du projet stabilisation (PNUD)", "Programme",
     "Créer un groupe de communication informel des membres du comité technique", None, None, None, None,
     "21/06/2024", "Réalisé", "2024-06-21", ""),
    ("STAB-2024-04", "Comité technique du projet stabilisation", "2024-06-21", "Projet stabilisation (PNUD)",
     "Programme", "Partager un rapport détaillé des réalisations par commune avec des budgets détaillés", None,
     None, None, None, "30/09/2024", "", "", ""),
]


def write_commitments() -> None:
    wb = Workbook()
    readme = wb.active
    readme.title = "Lisez-moi"
    readme.append(["Suivi des engagements et des points d'action des plateformes de coordination."])
    readme.append(["Une ligne par mise à jour de statut ; l'identifiant relie les mises à jour d'un engagement."])
    ws = wb.create_sheet("Engagements")
    ws.append(["Identifiant", "Cadre", "Date de l'engagement", "Responsable", "Type", "Description",
               "Valeur de base", "Cible", "Cible en pourcentage", "Réalisé", "Échéance", "Statut",
               "Date du statut", "Preuve"])
    for row in COMMITMENTS:
        ws.append(list(row))
    wb.save(INBOX / "commitments" / "suivi_engagements.xlsx")


def main() -> None:
    (INBOX / "commitments").mkdir(parents=True, exist_ok=True)
    write_budget_lines()
    write_local_government_budgets()
    write_partner_report_csv()
    write_partner_report_xlsx()
    write_commitments()


if __name__ == "__main__":
    main()
