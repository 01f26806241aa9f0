# Fixed signing vectors from the vendor's own signer (huaweicloudsdkcore.signer.Signer, SDK-HMAC-SHA256), for
# test/modelarts/signer.test.ts: reads cases on stdin, prints the Authorization header the SDK signer produced
# for each. X-Sdk-Date is given in the headers, so the signer uses it and the vectors are stable.
import json
import sys

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

out = []
for case in json.load(sys.stdin):
    headers = dict(case["headers"])
    headers["X-Sdk-Date"] = case["sdkDate"]
    req = SdkRequest(method=case["method"], schema="https", host=headers["Host"], resource_path=case["path"],
                     query_params=sorted(case["query"].items()), header_params=headers, body=case["body"])
    signed = Signer(BasicCredentials(case["ak"], case["sk"], case.get("projectId"))).sign(req)
    out.append({"name": case["name"], "authorization": signed.header_params["Authorization"]})
print(json.dumps(out, indent=1))
