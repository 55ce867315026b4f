"""Validates an HSDS tabular data package (a zip of CSVs with
`datapackage.json`) with Frictionless Data's validator: every table
against its schema, primary and foreign keys included.

Usage: hsds_tabular_validate.py ZIP. Exits 1 when invalid, 3 when the
`frictionless` package is missing (the Rust test then says so).
"""

import sys
import tempfile
import zipfile

try:
    import frictionless
except ImportError:
    print("the frictionless package is not installed (pip install frictionless)")
    sys.exit(3)


def main():
    with tempfile.TemporaryDirectory() as d:
        with zipfile.ZipFile(sys.argv[1]) as z:
            z.extractall(d)
        report = frictionless.validate(f"{d}/datapackage.json")
        for task in report.tasks:
            for err in task.errors:
                print(f"{task.name}: {err.message}")
        for err in report.errors:
            print(f"package: {err.message}")
        print(f"valid: {report.valid}, tables: {len(report.tasks)}")
        sys.exit(0 if report.valid else 1)


if __name__ == "__main__":
    main()
