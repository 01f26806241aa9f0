# Fixed signature vectors from the vendor's own signer (baidubce.auth.bce_v1_signer.sign, called the way the
# qianfan SDK's iam_sign calls it), printed as JSON for test/qianfan/signer.test.ts to compare with sdk/qianfan/signer.ts.
import json
from baidubce.auth.bce_credentials import BceCredentials
from baidubce.auth.bce_v1_signer import sign

CASES = [
    {"ak": "AKIDexample", "sk": "c2VjcmV0LWtleQ==", "path": "/v2/finetuning", "query": {"Action": "CreateFineTuningJob"},
     "headers": {"Content-Type": "application/json", "Host": "qianfan.baidubce.com", "request-source": "qianfan_py_sdk_v0.4.12.3", "x-bce-date": "2026-12-02T06:00:00Z"},
     "timestamp": 1796191200, "expiration": 300},
    {"ak": "ak-2", "sk": "sk with spaces/and+plus", "path": "/v2/dataset", "query": {"Action": "DescribeDatasets", "extra": "a b/c"},
     "headers": {"Content-Type": "application/json", "Host": "127.0.0.1:8080", "request-source": "mlplatform", "x-bce-date": "2026-01-31T23:59:59Z"},
     "timestamp": 1769903999, "expiration": 1800},
]
out = []
for c in CASES:
    signed = sorted(k.lower() for k in c["headers"])
    auth = sign(BceCredentials(c["ak"], c["sk"]), b"POST", c["path"].encode(), {k.encode(): v for k, v in c["headers"].items()},
                {k.encode(): v for k, v in c["query"].items()}, timestamp=c["timestamp"], expiration_in_seconds=c["expiration"],
                headers_to_sign=[h.encode() for h in signed])
    out.append({**c, "signedHeaders": signed, "authorization": auth.decode()})
print(json.dumps(out))
