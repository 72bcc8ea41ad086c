"""Write docs/coverage.md from the knowledge base: which rules cover each seed-guide section and each
bullet of GitHub issue 3 (the content issue), and which real denial pathways the KB does not cover.

The mapping is read from the rules themselves (``seed_section`` and ``covers``), and the pathways the KB
does not cover from its ``not_covered`` table; only the list of issue bullets, and the reason a bullet is
left open, live here. Run it after changing the KB:

    python scripts/coverage_table.py            # writes docs/coverage.md
    python scripts/coverage_table.py --check    # exit 1 when docs/coverage.md is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from denialkb.engine.kb import load_kb

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "coverage.md"

SEED_SECTIONS = [
    "Definition",
    "Clinical Context",
    "Common Modifiers",
    "Documentation Requirements",
    "Common Denial Reasons",
    "Special Considerations for Commercial Insurers",
    "Similar Codes",
]

# (tag, issue bullet, reason it is open when no rule carries the tag)
BULLETS = [
    ("similar-code-drug-mismatch", "Drug billed under another drug's code (J9271/J9299/J9176/J9355 with a pertuzumab NDC or record; J9308 for pertuzumab)", ""),
    ("phesgo-billed-as-components", "Phesgo (J9316) billed as J9306 + a trastuzumab code on the same day", ""),
    ("phesgo-with-iv-same-day", "IV pertuzumab or trastuzumab and Phesgo on the same day", ""),
    ("code-valid-on-dos", "Code not valid on the date of service (J9316 before 2021, Q-codes before their start)", ""),
    ("units-vs-dose", "Billed units exceed the documented dose", ""),
    ("her2-status", "HER2 status by ASCO/CAP 2018 (positive, equivocal, negative/HER2-low)", ""),
    ("indication-metastatic", "Metastatic: with trastuzumab and a taxane, no prior anti-HER2 or chemotherapy for metastatic disease", ""),
    ("indication-neoadjuvant", "Neoadjuvant: tumour > 2 cm or node-positive, 3-6 cycles", ""),
    ("indication-adjuvant", "Adjuvant: high risk of recurrence", ""),
    ("ebc-18-cycle-cap", "Early breast cancer: at most 18 cycles (1 year)", ""),
    ("pertuzumab-without-trastuzumab", "Pertuzumab without trastuzumab", ""),
    ("jw-jz-modifiers", "JW/JZ: both on a line, JZ missing, JW on a multiple-dose vial, JW when whole vials were used", ""),
    ("jw-units-equal-waste", "JW units must equal the documented waste", ""),
    ("modifier-59", "59 (or XE/XS/XP/XU) on a drug line", ""),
    ("modifier-76-77", "76/77 on drug codes", ""),
    ("doc-record", "Documentation: medical record on file", ""),
    ("doc-diagnosis", "Documentation: diagnosis", ""),
    ("doc-her2", "Documentation: HER2 status / report", ""),
    ("doc-rationale", "Documentation: clinical rationale", ""),
    ("doc-dose", "Documentation: dose in mg", ""),
    ("doc-route", "Documentation: route", ""),
    ("doc-waste", "Documentation: waste", ""),
    ("doc-nccn", "Documentation: NCCN / guideline adherence", ""),
    ("doc-infusion-times", "Documentation: infusion start and stop times", ""),
    ("doc-lot-number", "Documentation: lot number", ""),
    ("doc-adverse-reactions", "Documentation: adverse reactions", ""),
    ("doc-physician-order", "Documentation: physician order", ""),
    ("dx-not-supporting", "Diagnosis not supporting the drug (e.g. only Z85.3)", ""),
    ("doses-too-close", "Doses too close together (< min_interval_days)", ""),
    ("repeat-loading-dose", "Repeat loading dose within 6 weeks (a reload after >= 42 days is correct)", ""),
    ("prior-auth", "Commercial: prior authorization absent, expired or exceeded", ""),
    ("auth-other-code", "Commercial: authorization for another code", ""),
    ("step-therapy", "Commercial: step therapy (preferred biosimilars before Herceptin)", ""),
    ("response-documentation", "Commercial: response documentation for continued metastatic therapy", ""),
    ("ndc-missing", "NDC missing where payer.ndc_required", ""),
    ("ndc-malformed-or-unknown", "NDC malformed or unknown", ""),
    ("payer-unit-ceiling", "Payer unit ceilings", ""),
    ("timely-filing", "Timely filing", ""),
    ("billed-before-service", "Claim received before its first date of service (CARC 110)", ""),
    ("coverage-ended", "Coverage ended (CARC 27) or not yet effective (CARC 26)", ""),
    ("duplicate", "Duplicate line or claim (CARC 18); two NDCs of one code on one date are not duplicates", ""),
    ("lvef-baseline", "LVEF baseline below threshold or missing", ""),
    ("pregnancy-finding", "Pregnancy as a finding", ""),
    ("ramucirumab-gastric", "Ramucirumab gastric/GEJ after a fluoropyrimidine or platinum", ""),
    ("ramucirumab-nsclc", "Ramucirumab NSCLC: docetaxel after platinum, or erlotinib for EGFR exon 19 / L858R", ""),
    ("ramucirumab-crc", "Ramucirumab CRC: FOLFIRI after oxaliplatin + fluoropyrimidine", ""),
    ("ramucirumab-hcc", "Ramucirumab HCC: AFP >= 400 after a prior systemic therapy", ""),
    ("ramucirumab-site", "Ramucirumab for a site outside its uses", ""),
    ("ramucirumab-weight-dose", "Ramucirumab weight-based dose (line.dose_per_kg vs line.dosing.*)", ""),
    ("ramucirumab-vial-waste", "Waste from 100/500 mg vials", ""),
    ("admin-codes", "Administration codes (96413/96415/96417; IV code for an SC drug and the reverse)", ""),
    ("trastuzumab-dosing", "Trastuzumab weight-based dosing (8 -> 6 mg/kg every 3 weeks, reload after a dose more than a week late)", ""),
    ("em-on-chemotherapy-day", "E/M on a drug-administration day (99211 never; 99212-99215 only with modifier 25)", ""),
    ("abn-liability", "ABN liability modifiers (GZ denied automatically by Medicare)", ""),
    ("her2-adc-look-alike", "HER2 antibody billed with a HER2 antibody-drug conjugate (fam-trastuzumab deruxtecan)", ""),
    # open items: no rule carries these tags (yet)
    ("medicare-mue", "Medicare per-date-of-service unit ceilings (CMS MUE files effective 2024-07-01 for the drug and initial administration codes; before that J9306 uses the label maximum, 840 units, low confidence)",
     "MUE values for J9306/J9308 were not verified (fact-checks section 6); only commercial payer-table proxies are encoded."),
    ("per-indication-unit-caps", "Unit caps that differ by indication (J9308: 180 units/14 d gastric/CRC/HCC, 240 NSCLC)",
     "The engine applies one unit_limits row per code; the row keeps the larger cap."),
    ("c9292-outpatient-only", "C9292 (pertuzumab 10 mg) billed outside the hospital outpatient setting",
     "No fact exposes the hcpcs 'setting' column; C9292's start and end dates were not found either."),
    ("route-vs-code", "Route documented (SC) that contradicts the drug code (IV J9306)",
     "No fact gives the billed drug's route; DOC-ROUTE-NOT-DOCUMENTED covers only an absent route."),
    ("dx-sex-conflict", "C50 5th character (female/male) contradicts the patient's sex",
     "CARC 10 is sourced but no RARC pairing was found; code sets breast_cancer_female/_male are ready."),
    ("lvef-decline", "LVEF decline during therapy (hold/stop thresholds)",
     "Not encoded in this pass; the label thresholds were not read verbatim (fact-checks 5a) although the facts exist."),
    ("response-recency", "How recent the response assessment must be",
     "No fact gives days since the latest assessment; the rule accepts any assessment."),
    ("jw-jz-missing-carc", "Missing JZ on Medicare (the CARC/RARC Medicare returns is unverified: CO-4 + N822 chosen, medium confidence)",
     "Not verified (fact-checks C8); JZ-MISSING-NO-WASTE uses CO-4 with a pairing note."),
]



PATHWAYS = ROOT / "scripts" / "pathways.yaml"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def not_covered_rows(kb) -> list:
    """(pathway, remittance, why, review) of the KB's ``not_covered`` table (kb/tables/not_covered.yaml) that no rule
    covers yet; a row that names rules under ``rules`` is covered and left out."""
    return [(_one_line(r["pathway"]), r["remittance"], _one_line(r["why"]), r.get("review", ""))
            for _, r in sorted(kb.not_covered.items()) if not r.get("rules")]


def load_pathways() -> list:
    """The issue-13 pathways (scripts/pathways.yaml). Their `supersedes` names are rows that used to be listed as
    not covered; the KB's not_covered table no longer holds them (a name still in the table is dropped from it)."""
    import yaml

    return yaml.safe_load(PATHWAYS.read_text("utf-8"))["pathways"]


def build(kb) -> str:
    rules = sorted(kb.rules, key=lambda r: r.id)
    pathways = load_pathways()
    superseded = {s for p in pathways for s in p.get("supersedes", [])}
    by_section = {s: [r.id for r in rules if s in (r.raw.get("seed_section") or [])] for s in SEED_SECTIONS}
    by_tag: dict = {}
    for r in rules:
        for t in r.raw.get("covers") or []:
            by_tag.setdefault(t, []).append(r.id)
    known = {t for t, _, _ in BULLETS} | {t for p in pathways for t in p["tags"]}
    fired = {x for c in kb.cases for x in c.fires}
    near = {x for c in kb.cases for x in c.near_miss}
    products = sum(len(d.get("products", [])) for d in kb.drugs.values())
    examples = sorted(p.name for p in (ROOT / "examples").glob("*.yaml"))

    out = ["# Coverage of the seed guide and of issue 3",
           "",
           "Generated by `scripts/coverage_table.py` from the knowledge base; do not edit by hand.",
           "Each rule names the seed-guide sections it encodes (`seed_section`) and the issue bullets it covers",
           "(`covers`). The seed guide calls J9308 pertuzumab: J9308 is ramucirumab 5 mg, pertuzumab is J9306 1 mg,",
           "and the KB encodes the truth (the mistake is a denial pathway).",
           "",
           "## Counts",
           "",
           "| item | count |",
           "|---|---|",
           f"| HCPCS/CPT codes | {len(kb.hcpcs)} |",
           f"| drugs | {len(kb.drugs)} |",
           f"| products (NDCs) | {products} |",
           f"| ICD-10-CM code sets | {len(kb.code_sets)} |",
           f"| drug classes | {len(kb.drug_classes)} |",
           f"| CARC / RARC labels | {len(kb.carc)} / {len(kb.rarc)} |",
           f"| payer profiles | {len(kb.payers)} |",
           f"| rules (denials / findings) | {len(rules)} ({sum(r.conclusion == 'denial' for r in rules)} / "
           f"{sum(r.conclusion == 'finding' for r in rules)}) |",
           f"| golden cases | {len(kb.cases)} |",
           f"| examples | {len(examples)} |",
           "",
           "## Seed-guide sections",
           "",
           "| section | rules |",
           "|---|---|"]
    for s in SEED_SECTIONS:
        out.append(f"| {s} | {', '.join(by_section[s]) or '**gap**'} |")
    beyond = [r.id for r in rules if not r.raw.get("seed_section")]
    out += ["", f"Rules beyond the seed guide (no `seed_section`): {', '.join(beyond) or 'none'}.", "",
            "## Issue bullets", "", "| bullet | tag | rules |", "|---|---|---|"]
    for tag, text, _ in BULLETS:
        out.append(f"| {text} | `{tag}` | {', '.join(by_tag.get(tag, [])) or '**gap**'} |")
    unknown = sorted(set(by_tag) - known)
    if unknown:
        out += ["", "Tags used by rules but not listed as bullets: " + ", ".join(f"`{t}`" for t in unknown) + "."]
    out += ["", "## Issue bullets or seed sections without a rule", ""]
    gaps = [(tag, text, why) for tag, text, why in BULLETS if not by_tag.get(tag)]
    for s in SEED_SECTIONS:
        if not by_section[s]:
            out.append(f"- seed section **{s}**: no rule.")
    for tag, text, why in gaps:
        out.append(f"- **{text}** (`{tag}`): {why or 'no rule yet.'}")
    if not gaps and all(by_section.values()):
        out.append("- every bullet and seed section has a rule. That is not the same as covering every real denial:")
        out.append("  see the next section.")
    out += ["", "## Issue 13: the denial pathways of kb-review section 3", "",
            "Each pathway with the rules that cover it (by their `covers` tags), its status, and what is still not",
            "covered and why (scripts/pathways.yaml).", "",
            "| # | pathway | status | rules | still not covered |", "|---|---|---|---|---|"]
    for p in pathways:
        ids = sorted({r for t in p["tags"] for r in by_tag.get(t, [])})
        out.append(f"| {p['n']} | {p['title']} | {p['status']} | {', '.join(ids) or '-'} | {p['not_covered'].strip()} |")
    out += ["", "## Denial pathways the KB does not cover", "",
            "From the KB's `not_covered` table (kb/tables/not_covered.yaml: kb-review section 3 and the open items of",
            "issue 12). A claim that meets one of these is decided without it: the KB does not say it would be paid.", "",
            "| pathway | typical remittance | why not covered | review |", "|---|---|---|---|"]
    for what, codes, why, review in not_covered_rows(kb):
        if what in superseded:  # covered now (issue 13 pathways above)
            continue
        out.append(f"| {what} | {codes} | {why} | {review} |")
    overrides = [(p.id, row) for p in sorted(kb.payers.values(), key=lambda p: p.id)
                 for row in p.raw.get("remittance", []) or []]
    if overrides:
        out += ["", "## Payer remittance overrides", "",
                "Codes a payer sends instead of the rule's own (`remittance` rows of kb/payers).", "",
                "| payer | rules | group-CARC / RARC |", "|---|---|---|"]
        for pid, row in overrides:
            codes = f"{row.get('group', '(rule)')}-{row.get('carc', '(rule)')} / {', '.join(row.get('rarc', [])) or '(rule)'}"
            out.append(f"| {pid} | {', '.join(row['rules'])} | {codes} |")
    untested = [r.id for r in rules if r.id not in fired or r.id not in near]
    out += ["", "## Rules", "",
            "| rule | stage | group-CARC / RARC | confidence | seed sections | bullets |",
            "|---|---|---|---|---|---|"]
    for r in rules:
        if r.conclusion == "denial":
            d = r.denial
            codes = f"{d['group']}-{d['carc']} / {', '.join(d['rarc'])}"
            stage = d["stage"]
        else:
            codes, stage = f"finding {r.finding}", "-"
        out.append(f"| {r.id} | {stage} | {codes} | {r.confidence} | {', '.join(r.raw.get('seed_section') or [])} | "
                   f"{', '.join(r.raw.get('covers') or [])} |")
    out += ["", f"Rules without a firing and a near-miss golden case: {', '.join(untested) or 'none'}.", ""]
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail when docs/coverage.md is out of date")
    args = ap.parse_args(argv)
    text = build(load_kb(ROOT / "kb"))
    if args.check:
        current = OUT.read_text("utf-8") if OUT.exists() else ""
        if current != text:
            print("docs/coverage.md is out of date: run python scripts/coverage_table.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, "utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
