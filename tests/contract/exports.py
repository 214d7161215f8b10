"""Validate the gateway's standard exports with third-party tools (run by scripts/contract.ts).

DCAT-AP: every --dcat file (JSON-LD) against the official DCAT-AP 3.0.1 SHACL shapes, core and
ranges (pyshacl, RDFS inference); any violation fails.

PROV-JSON: the --prov file loaded by python `prov` (any warning fails), validated against the
PROV-JSON schema (prov-json.schema.json beside this file), and checked for what a supervisor
relies on: no nulls, every use (refused ones too) linked to its dataset, agent and, when it had
one, its grant, and prov:type values that are qualified names.

Prints one summary line per file and exits non-zero on any failure.
"""

import argparse
import json
import logging
import sys
import warnings
from pathlib import Path

import jsonschema
import prov.model
import prov
import pyshacl
import rdflib

SHAPE_FILES = [
    "shacl_dcat-ap-SHACL.ttl",
    "shacl_ranges.ttl",
    "html_shacl_shapes.ttl",
    "html_shacl_range.ttl",
]
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")


def load_shapes(folder: Path) -> rdflib.Graph:
    """The official shapes, core and ranges, in one graph.

    The 3.0.1 ranges file lists, under its node shapes, property shapes that only the core file
    defines (hence one graph), and a few that no file defines at all (for example
    dcat:DistributionShape/653804840386e33525b3d39d205c174780be414b); pyshacl refuses to run on
    such a reference. Only those undefined references (no sh:path anywhere) are dropped, and
    counted, so every constraint the release states is checked.
    """
    shapes = rdflib.Graph()
    for name in SHAPE_FILES:
        shapes.parse(folder / name, format="turtle")
    dangling = [
        (shape, prop)
        for shape, prop in shapes.subject_objects(SH.property)
        if isinstance(prop, rdflib.URIRef) and (prop, SH.path, None) not in shapes
    ]
    for shape, prop in dangling:
        shapes.remove((shape, SH.property, prop))
    print(f"shapes: {', '.join(SHAPE_FILES)}; {len(dangling)} references to undefined property shapes dropped")
    return shapes


def check_dcat(path: Path, shapes: rdflib.Graph) -> list[str]:
    data = rdflib.Graph().parse(path, format="json-ld")
    conforms, report, text = pyshacl.validate(
        data, shacl_graph=shapes, inference="rdfs", abort_on_first=False, meta_shacl=False
    )
    violations = list(report.subjects(SH.resultSeverity, SH.Violation))
    warnings_ = list(report.subjects(SH.resultSeverity, SH.Warning))
    datasets = list(data.subjects(rdflib.RDF.type, DCAT.Dataset))
    distributions = list(data.subjects(rdflib.RDF.type, DCAT.Distribution))
    print(
        f"DCAT-AP 3.0.1 {path.name}: {len(data)} triples, {len(datasets)} datasets, "
        f"{len(distributions)} distributions: {len(violations)} violations, {len(warnings_)} warnings"
    )
    problems = []
    if violations or not conforms:
        problems.append(f"{path.name}: {len(violations)} SHACL violations\n{text}")
    if not datasets:
        problems.append(f"{path.name}: no dcat:Dataset at all (nothing was validated)")
    return problems


def nulls(value, where="$"):
    if value is None:
        yield where
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from nulls(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from nulls(v, f"{where}[{i}]")


def check_prov(path: Path, schema: dict) -> list[str]:
    problems = []
    doc = json.loads(path.read_text(encoding="utf-8"))

    for where in nulls(doc):
        problems.append(f"{path.name}: null at {where}")

    validator = jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    schema_errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)
    ]
    problems += [f"{path.name}: schema: {e}" for e in schema_errors]

    # python prov: loading must not warn (it drops and warns about values it cannot read).
    logged: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.WARNING:
                logged.append(record.getMessage())

    handler = Collect()
    logging.getLogger().addHandler(handler)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        document = prov.read(str(path), format="json")
    logging.getLogger().removeHandler(handler)
    logged += [str(w.message) for w in caught]
    problems += [f"{path.name}: prov warned: {m}" for m in logged]

    activities = doc.get("activity", {})
    entities = doc.get("entity", {})
    agents = doc.get("agent", {})
    used: dict[str, list[str]] = {}
    for u in doc.get("used", {}).values():
        used.setdefault(u["prov:activity"], []).append(u.get("prov:entity"))
    associated = {a["prov:activity"]: a.get("prov:agent") for a in doc.get("wasAssociatedWith", {}).values()}

    def type_of(name):
        t = entities.get(name, {}).get("prov:type")
        return t.get("$") if isinstance(t, dict) else t

    refused = 0
    for act, attrs in activities.items():
        if attrs.get("shulian:outcome") == "DENIED":
            refused += 1
        targets = [type_of(e) for e in used.get(act, [])]
        if not {"shulian:DatasetVersion", "shulian:CatalogEntry"} & set(targets):
            problems.append(f"{path.name}: use {act} is not linked to the dataset it targeted")
        if "shulian:grantId" in attrs and "shulian:Grant" not in targets:
            problems.append(f"{path.name}: use {act} is not linked to its grant")
        if associated.get(act) not in agents:
            problems.append(f"{path.name}: use {act} is not linked to its agent")
        if "prov:type" not in attrs:
            problems.append(f"{path.name}: use {act} has no prov:type")

    # Every prov:type, read back by prov, is a qualified name (not a plain string).
    plain_types = 0
    for record in document.get_records():
        for key, value in record.attributes:
            if str(key) == "prov:type" and not isinstance(value, prov.model.QualifiedName):
                plain_types += 1
    if plain_types:
        problems.append(f"{path.name}: {plain_types} prov:type values are not qualified names")
    if refused == 0:
        problems.append(f"{path.name}: the trace holds no refused use (nothing checks them)")

    print(
        f"PROV-JSON {path.name}: {len(activities)} uses ({refused} refused), "
        f"{len(list(document.get_records()))} records: {len(schema_errors)} schema errors, "
        f"{len(logged)} prov warnings, {len(problems)} problems"
    )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shapes", required=True, type=Path)
    parser.add_argument("--dcat", action="append", default=[], type=Path)
    parser.add_argument("--prov", action="append", default=[], type=Path)
    args = parser.parse_args()

    shapes = load_shapes(args.shapes)
    schema = json.loads((Path(__file__).parent / "prov-json.schema.json").read_text("utf-8"))

    problems = []
    for path in args.dcat:
        problems += check_dcat(path, shapes)
    for path in args.prov:
        problems += check_prov(path, schema)
    for p in problems:
        print(f"FAIL {p}", file=sys.stderr)
    checked = len(args.dcat) + len(args.prov)
    print(f"exports: {checked - len({p.split(':')[0] for p in problems})} passed, "
          f"{len({p.split(':')[0] for p in problems})} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
