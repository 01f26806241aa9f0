# Fixed signing vectors from the vendor's own signer (volcengine.auth.SignerV4), for
# test/volcengine/signer.test.ts: prints one JSON object per case with the headers SignerV4 produced.
# The clock is pinned so the vectors are stable; run by the test in the cached oracle venv.
import json
import sys

from volcengine.auth.SignerV4 import SignerV4
from volcengine.base.Request import Request
from volcengine.Credentials import Credentials

cases = json.load(sys.stdin)
out = []
for case in cases:
    SignerV4.get_current_format_date = staticmethod(lambda d=case["xDate"]: d)
    r = Request()
    r.set_method(case["method"])
    r.set_path(case["path"])
    r.set_query(dict(case["query"]))
    r.set_headers(dict(case["headers"]))
    r.set_body(case["body"])
    creds = Credentials(case["ak"], case["sk"], case["service"], case["region"], case.get("sessionToken", ""))
    SignerV4.sign(r, creds)
    out.append({"name": case["name"], "headers": r.headers})
print(json.dumps(out, indent=1, sort_keys=True))
