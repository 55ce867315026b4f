"""Validates HSDS 3 objects against the vendored official JSON schemas.

Usage: hsds_validate.py KIND FILE, where KIND is a schema's name (service,
organization, taxonomy_term, taxonomy) and FILE holds a JSON list of
objects. Prints one line per invalid object and exits 1 if any; exits 3
when the `jsonschema` package is missing (the Rust test then says so).
"""

import json
import pathlib
import sys

try:
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError:
    print("the jsonschema package is not installed (pip install jsonschema)")
    sys.exit(3)

HERE = pathlib.Path(__file__).parent / "hsds-schema"


def registry():
    resources = []
    for path in sorted(HERE.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((path.name, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


def main():
    kind, file = sys.argv[1], sys.argv[2]
    schema = json.loads((HERE / f"{kind}.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(
        schema, registry=registry(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    objects = json.loads(pathlib.Path(file).read_text(encoding="utf-8"))
    bad = 0
    for i, obj in enumerate(objects):
        for err in validator.iter_errors(obj):
            bad += 1
            print(f"object {i}: {'/'.join(map(str, err.absolute_path))}: {err.message}")
    print(f"{len(objects)} {kind} objects checked, {bad} errors")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
