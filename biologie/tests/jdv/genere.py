"""Writes the two spreadsheets the JDV importer is tested on (openpyxl).

They are NOT the official JDV (not available here): they reproduce its
layout as the DSR describes it — the analytes' columns from S on, under a
title row, with « Correspondance » and « Facteur de conversion » from JDV
CBIO 1.1.22, without them before — and a few rows, some with the DSR's
typos (a row given twice, « d9 »). Run: python3 genere.py (openpyxl).
"""
import openpyxl

ENTETE = ["LOINC", "Libellés français de référence", "Libellés d'édition (Référentiel JDV ANS)",
          "Niveau minimum de comparabilité", "Liste restreinte O/N", "Unité recommandée", "Unité UCUM",
          "Présence systéma. CR O/N", "Correspondance", "Facteur de conversion des unités"]
LIGNES = [
    ["14749-6", "Glucose (Moles/Volume) Sérum/Plasma ; Numérique", "Glycémie", 1, "O", "mmol/L", "mmol/L", "O", "2345-7", 0.18],
    ["2345-7", "Glucose (Masse/Volume) Sérum/Plasma ; Numérique", "Glycémie", 1, "O", "g/L", "g/L", "N", "14749-6", 5.551],
    ["14682-9", "Créatinine (Moles/Volume) Sérum/Plasma ; Numérique", "Créatinine", 1, "O", "µmol/L", "µmol/L", "O", "2160-0", 0.113],
    ["2160-0", "Créatinine (Masse/Volume) Sérum/Plasma ; Numérique", "Créatinine", 1, "O", "mg/L", "mg/L", "N", "14682-9", 8.84],
    ["1988-5", "Protéine C réactive (Masse/Volume) Sérum/Plasma ; Numérique", "CRP", 2, "O", "mg/L", "mg/L", "O", None, None],
    ["2823-3", "Potassium (Moles/Volume) Sérum/Plasma ; Numérique", "Potassium", 1, "O", "mmol/L", "mmol/L", "O", None, None],
    ["35591-7", "Créatinine clairance calculée (Volume/Temp) Sérum/Plasma ; Formule de Cockcroft-Gault", "Clairance à la créatinine", "d9", "N", "mL/min", "mL/min", "N", None, None],
    ["14682-9", "Créatinine (Moles/Volume) Sérum/Plasma ; Numérique", "Créatinine", 1, "O", "µmol/L", "µmol/L", "O", "2160-0", 0.113],
]

def classeur(nom, avec_conversion):
    wb = openpyxl.Workbook()
    notice = wb.active
    notice.title = "Notice"
    notice["A1"] = "Jeu de valeurs Circuit de la biologie (disposition d'essai, pas le fichier officiel)"
    ws = wb.create_sheet("JDV")
    ws.cell(row=1, column=1, value="ANALYSES")
    ws.cell(row=2, column=1, value="LOINC")  # the batteries' own LOINC column, left of S
    ws.cell(row=2, column=2, value="Libellé de la batterie")
    debut = 19  # S
    ws.cell(row=1, column=debut, value="ANALYSES PORTEUSES DE RESULTAT")
    entete = ENTETE if avec_conversion else ENTETE[:8]
    for j, t in enumerate(entete):
        ws.cell(row=2, column=debut + j, value=t)
    for i, l in enumerate(LIGNES):
        ws.cell(row=3 + i, column=1, value="24323-8")
        for j, v in enumerate(l[:len(entete)]):
            if v is not None:
                ws.cell(row=3 + i, column=debut + j, value=v)
    wb.save(nom)

classeur("jdv-disposition-1.1.22.xlsx", True)
classeur("jdv-disposition-1.1.21.xlsx", False)
