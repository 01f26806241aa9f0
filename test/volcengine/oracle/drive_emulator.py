# Drives the Volcengine emulator with the vendor's own Python SDK (`volcengine.base.Service` + SignerV4, the
# transport volcengine_ml_platform's BaseClient uses for API 2021-10-01) through every action the mlplatform
# driver uses, plus a request signed with a wrong secret. Prints one JSON report: per call, whether the SDK
# accepted the answer and the Result it got. Usage: python drive_emulator.py <endpoint> <region> <ak> <sk> <s3>
import json
import sys
import time
from urllib.parse import urlparse

import boto3
from volcengine.ApiInfo import ApiInfo
from volcengine.Credentials import Credentials
from volcengine.ServiceInfo import ServiceInfo
from volcengine.base.Service import Service

ACTIONS = [
    "GetTOSUploadPath", "CreateModel", "GetModel", "ListModels", "UpdateModel", "ListModelVersions", "GetModelVersion",
    "UpdateModelVersion", "DeleteModelVersion", "DeleteModel", "CreatePerfJob", "ListPerfJobs", "ListPerfTasks",
    "CancelPerfJob", "ListResource", "CreateService", "GetService", "ListServices", "UpdateService", "StartService",
    "StopService", "DeleteService",
]

endpoint, region, ak, sk, s3_endpoint = sys.argv[1:6]
host = urlparse(endpoint).netloc


class MlPlatform(Service):
    def __init__(self, secret):
        info = ServiceInfo(host, {"Accept": "application/json"}, Credentials(ak, secret, "ml_platform", region), 10, 10, "http")
        apis = {a: ApiInfo("POST", "/", {"Action": a, "Version": "2021-10-01"}, {}, {}) for a in ACTIONS}
        super().__init__(info, apis)


sdk = MlPlatform(sk)
report = []


def call(action, body):
    try:
        res = json.loads(sdk.json(action, {}, json.dumps(body)))
        err = res["ResponseMetadata"].get("Error")
        ok = err is None and "Result" in res
        report.append({"action": action, "ok": ok, "requestId": res["ResponseMetadata"].get("RequestId"), "error": err})
        return res.get("Result")
    except Exception as e:  # the SDK raises on any non-200 answer
        report.append({"action": action, "ok": False, "error": str(e)[:300]})
        print(json.dumps({"calls": report, "aborted": action}))
        raise SystemExit(1)


def wait_service(sid, status):
    for _ in range(100):
        r = call("GetService", {"ServiceID": sid})
        if r and r["ServiceDeployment"]["Status"] == status:
            return r
        time.sleep(0.1)
    raise SystemExit(f"service {sid} never became {status}")


where = call("GetTOSUploadPath", {"ServiceName": "modelrepo", "Path": ["from-sdk-repo"]})
s3 = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id=ak, aws_secret_access_key=sk, region_name=region)
s3.put_object(Bucket=where["Bucket"], Key=where["KeyPrefix"] + "model/model.onnx", Body=b"onnx-bytes")
path = f"tos://{where['Bucket']}/{where['KeyPrefix']}model/"
tensor = {"Inputs": [{"TensorName": "x", "DType": "FLOAT", "Shape": [-1, 4]}]}
created = call("CreateModel", {"ModelName": "sdk-oracle", "VersionInfo": {"ModelFormat": "ONNX", "ModelType": "ONNX:1.0", "Path": path, "SourceType": "TOS", "Description": "v1", "TensorConfig": tensor}})
model_id = created["ModelID"]
call("GetModel", {"ModelID": model_id})
call("ListModels", {"Offset": 0, "Limit": 10, "SortBy": "CreateTime", "SortOrder": "Descend", "ModelNameContains": "sdk-oracle"})
call("UpdateModel", {"ModelID": model_id, "ModelName": "sdk-oracle-renamed"})
call("ListModelVersions", {"ModelID": model_id, "Offset": 0, "Limit": 10, "SortBy": "CreateTime", "SortOrder": "Descend"})
v1 = created["VersionInfo"]["ModelVersionID"]
call("GetModelVersion", {"ModelVersionID": v1})
call("UpdateModelVersion", {"ModelVersionID": v1, "Description": "v1 updated", "TensorConfig": tensor,
                            "MetricsList": [{"MetricsType": "TabularClassification", "Params": "{}", "MetricsData": "{\"accuracy\": 0.9}"}]})
v2 = call("CreateModel", {"ModelID": model_id, "VersionInfo": {"ModelFormat": "ONNX", "ModelType": "ONNX:1.0", "Path": path, "SourceType": "TOS", "TensorConfig": tensor}})["VersionInfo"]["ModelVersionID"]
flavors = call("ListResource", {"Offset": 0, "Limit": 10, "SortBy": "vCPU", "SortOrder": "Descend", "Name": "ml.highcpu.large"})
flavor = next(v for v in flavors["List"].values() if v)[0]["FlavorID"]
job = call("CreatePerfJob", {"ModelVersionID": v1, "JobType": "PERF_ONLY", "JobParamsList": [{"FlavorIDList": [flavor]}],
                             "TensorConfig": {"Inputs": [{"TensorName": "x", "DType": "FLOAT", "Shape": {"MinShape": [1, 4], "MaxShape": [8, 4]}}]}})
call("ListPerfJobs", {"Offset": 0, "Limit": 10, "SortBy": "CreateTime", "SortOrder": "Descend", "JobID": job["JobID"]})
call("ListPerfTasks", {"Offset": 0, "Limit": 10, "SortBy": "CreateTime", "SortOrder": "Descend", "JobID": job["JobID"]})
call("CancelPerfJob", {"JobID": job["JobID"]})
svc = call("CreateService", {"ServiceName": "sdk-oracle-svc", "ServiceDeployment": {"Replicas": 1, "FlavorID": flavor, "Model": {"ModelID": model_id, "ModelVersionID": v1},
                                                                                  "ImageID": "machinelearning/tfserving:tf-cuda10.1", "Envs": [{"Name": "A", "Value": "1"}], "Description": "oracle"}})
sid = svc["ServiceID"]
wait_service(sid, "Running")
call("ListServices", {"Offset": 0, "Limit": 10, "SortBy": "CreateTime", "SortOrder": "Descend", "ServiceName": "sdk-oracle-svc"})
call("UpdateService", {"ServiceID": sid, "Replicas": 2, "ChangeType": "ScalingService"})
wait_service(sid, "Running")
call("UpdateService", {"ServiceID": sid, "Replicas": 2, "FlavorID": flavor, "Model": {"ModelID": model_id, "ModelVersionID": v2},
                       "ImageID": "machinelearning/tfserving:tf-cuda10.1", "Envs": [], "ChangeType": "RollingUpdate"})
wait_service(sid, "Running")
call("StopService", {"ServiceID": sid})
wait_service(sid, "Stopped")
call("StartService", {"ServiceID": sid})
wait_service(sid, "Running")
call("DeleteService", {"ServiceID": sid})
call("DeleteModelVersion", {"ModelVersionID": v1})
for _ in range(100):  # deletion is asynchronous: version v2 stays served until GetService says the service is gone
    try:
        sdk.json("GetService", {}, json.dumps({"ServiceID": sid}))
        time.sleep(0.1)
    except Exception as e:
        if "ServiceNotFound" not in str(e):
            raise
        break
call("DeleteModel", {"ModelID": model_id})

bad = MlPlatform(sk + "-wrong")
try:
    bad.json("ListModels", {}, json.dumps({"Offset": 0, "Limit": 10}))
    rejected = {"rejected": False}
except Exception as e:
    rejected = {"rejected": True, "error": str(e)[:300]}
print(json.dumps({"calls": report, "badSignature": rejected}))
