"""A stock Open311 GeoReport v2 client against the server, unmodified.

Usage: georeport_client.py BASE_URL TOKEN JURISDICTION. Lists services with
the `georeport` package (JSON and XML), posts a request, and reads it back
with `georeport`. Prints a JSON summary for the Rust test to check; exits
3 when `georeport` is not installed.

`georeport` 0.3.1 has no method to post, and sends no key with its reads:
the post is made as the spec describes (a form with `api_key`) with
`requests`, the HTTP library `georeport` itself uses; the reads carry the
token the way `requests` gives any client credentials without code: a
netrc entry (HTTP Basic, the token as the password), which the server
accepts as the Open311 `api_key`.
"""

import json
import os
import sys
import tempfile
from urllib.parse import urlparse

try:
    import requests
    from georeport import GeoReport
except ImportError:
    print("the georeport package is not installed (pip install georeport)")
    sys.exit(3)


def main():
    base, token, jurisdiction = sys.argv[1], sys.argv[2], sys.argv[3]
    root = base.rstrip("/") + "/open311/v2"
    with tempfile.NamedTemporaryFile("w", suffix=".netrc", delete=False) as f:
        f.write(f"machine {urlparse(base).hostname} login api_key password {token}\n")
    os.chmod(f.name, 0o600)
    os.environ["NETRC"] = f.name

    as_json = GeoReport(root, jurisdiction=jurisdiction)
    as_xml = GeoReport(root, jurisdiction=jurisdiction, output_format="xml")
    services = as_json.get_service_list()
    services_xml = as_xml.get_service_list()
    definition = as_json.get_service_definition("REPAIR")

    posted = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": token,
            "jurisdiction_id": jurisdiction,
            "service_code": "REPAIR",
            "lat": "39.9042",
            "long": "116.4074",
            "address_string": "3号楼东门",
            "description": "门禁坏了 (filed by georeport's test)",
        },
        timeout=30,
    )
    posted.raise_for_status()
    request_id = posted.json()[0]["service_request_id"]

    one = as_json.get_service_request(request_id)
    one_xml = as_xml.get_service_request(request_id)
    listed = as_json.get_service_requests(service_request_id=request_id)
    print(
        json.dumps(
            {
                "services": [s["service_code"] for s in services],
                "services_xml": [s["service_code"] for s in services_xml],
                "definition": definition,
                "posted_status": posted.status_code,
                "request_id": request_id,
                "one": one,
                "one_xml": one_xml,
                "listed": [r["service_request_id"] for r in listed],
            },
            ensure_ascii=False,
        )
    )
    os.unlink(f.name)


if __name__ == "__main__":
    main()
