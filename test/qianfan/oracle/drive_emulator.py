# Drives the Qianfan emulator with the vendor's own Python SDK: the `qianfan` console resources V2
# (Data.V2, FineTune.V2, Model.V2, Service.V2), signed by its ConsoleAPIRequestor with bce-python-sdk's
# bce-auth-v1 signer, through every action the mlplatform driver uses, uploading the dataset file to the S3
# store (moto, standing in for BOS) with boto3; then one request signed with a wrong secret key.
# Prints one JSON report: per call, whether the SDK accepted the answer.
# Usage: python drive_emulator.py <endpoint> <ak> <sk> <s3-endpoint> <bucket>
import json
import os
import sys
import time

endpoint, ak, sk, s3_endpoint, bucket = sys.argv[1:6]
os.environ["QIANFAN_CONSOLE_API_BASE_URL"] = endpoint
os.environ["QIANFAN_ACCESS_KEY"] = ak
os.environ["QIANFAN_SECRET_KEY"] = sk

import boto3  # noqa: E402
from qianfan.resources.console.data import Data  # noqa: E402
from qianfan.resources.console.finetune import FineTune  # noqa: E402
from qianfan.resources.console.model import Model  # noqa: E402
from qianfan.resources.console.service import Service  # noqa: E402
from qianfan.resources.console.consts import V2 as V2Consts  # noqa: E402

report = []


def call(action, fn, *args, **kwargs):
    try:
        resp = fn(*args, **kwargs)
        body = resp.body
        ok = "result" in body and "error_code" not in body
        report.append({"action": action, "ok": ok})
        return body.get("result")
    except Exception as e:  # the SDK raises on non-200 answers and on error_code bodies
        report.append({"action": action, "ok": False, "error": str(e)[:300]})
        print(json.dumps({"calls": report, "aborted": action}))
        raise SystemExit(1)


def until(what, fn, pred):
    for _ in range(200):
        r = fn()
        if pred(r):
            return r
        time.sleep(0.05)
    raise SystemExit(f"{what} never happened")


lines = "".join(json.dumps({"prompt": f"q{i}", "response": [[f"a{i}"]]}) + "\n" for i in range(40))
s3 = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id=ak, aws_secret_access_key=sk, region_name="bj")
s3.put_object(Bucket=bucket, Key="oracle/train.jsonl", Body=lines.encode())

ds = call("CreateDataset", Data.V2.create_dataset, "oracle-ds", V2Consts.DatasetFormat.PromptResponse, V2Consts.StorageType.SysStorage)
ds_id = ds["datasetId"]
call("DescribeDatasets", Data.V2.get_dataset_list, max_keys=10, filter={"datasetName": "oracle-ds"})
ver = call("CreateDatasetVersion", Data.V2.create_dataset_version, ds_id, description="v1")
vid = ver["versionId"]
task = call("CreateImportTask", Data.V2.create_dataset_version_import_task, vid, [f"bos://{bucket}/oracle/train.jsonl"])
until("import", lambda: call("DescribeImportTask", Data.V2.get_dataset_version_import_task_info, task["taskId"]), lambda r: r["status"] == "Done")
call("PublishDatasetVersion", Data.V2.publish_dataset_version, vid)
until("publish", lambda: call("DescribeDatasetVersion", Data.V2.get_dataset_version_info, vid), lambda r: r["publishStatus"] == "Published")
call("DescribeDatasetVersions", Data.V2.get_dataset_version_list, ds_id)

job = call("CreateFineTuningJob", FineTune.V2.create_job, "oracle-run", "ERNIE-Speed-8K", "SFT", description="oracle")
call("DescribeFineTuningJobs", FineTune.V2.job_list, name="oracle-run")
run = call("CreateFineTuningTask", FineTune.V2.create_task, job["jobId"], "LoRA", {"epoch": 1, "learningRate": 0.00003, "maxSeqLen": 4096},
           {"sourceType": "Platform", "versions": [{"versionId": vid}], "splitRatio": 20})
until("training", lambda: call("DescribeFineTuningTask", FineTune.V2.task_detail, run["taskId"]), lambda r: r["runStatus"] == "Done")
call("DescribeFineTuningTasks", FineTune.V2.task_list, job["jobId"])

mset = call("CreateCustomModelSet", Model.V2.create_custom_model_set, "oracle-model", "Text2Text")
call("DescribeCustomModelSets", Model.V2.describe_custom_model_sets, modelSetName="oracle-model")
mv = call("CreateCustomModel", Model.V2.create_custom_model, mset["modelSetId"], "Train", train_meta={"jobId": job["jobId"], "taskId": run["taskId"]})
until("model publish", lambda: call("DescribeModel", Model.V2.describe_model, mv["modelId"]), lambda r: r["state"] == "Ready")
call("DescribeModelSet", Model.V2.describe_model_set, model_set_id=mset["modelSetId"])
call("DescribeModelSet", Model.V2.describe_model_set, model_set_name="oracle-model")

svc = call("CreateService", Service.V2.create_service, mset["modelSetId"], mv["modelId"], "oracle-svc", "oraclesvc",
           {"type": "PublicResource", "replicasCount": 1, "qps": 1}, {"paymentTiming": "Postpaid"})
until("deploy", lambda: call("DescribeService", Service.V2.service_detail, svc["serviceId"]), lambda r: r["runStatus"] == "Serving")
call("DescribeServices", Service.V2.service_list, name="oracle-svc")
call("ModifyService", Service.V2.modify_service, svc["serviceId"], mset["modelSetId"], mv["modelId"])

# Tear down what can be torn down (the service stays: the API has no delete). A second run for stop/delete.
run2 = call("CreateFineTuningTask", FineTune.V2.create_task, job["jobId"], "LoRA", {"epoch": 2, "learningRate": 0.00003, "maxSeqLen": 4096},
            {"sourceType": "Platform", "versions": [{"versionId": vid}], "splitRatio": 10})
call("StopFineTuningTask", FineTune.V2.stop_task, run2["taskId"])
call("DeleteFineTuningTask", FineTune.V2.delete_task, run2["taskId"])
ds2 = call("CreateDataset", Data.V2.create_dataset, "oracle-ds-2", V2Consts.DatasetFormat.PromptResponse, V2Consts.StorageType.SysStorage)
call("DeleteDataset", Data.V2.delete_dataset, ds2["datasetId"])
mset2 = call("CreateCustomModelSet", Model.V2.create_custom_model_set, "oracle-model-2", "Text2Text")
mv2 = call("CreateCustomModel", Model.V2.create_custom_model, mset2["modelSetId"], "Train", train_meta={"jobId": job["jobId"], "taskId": run["taskId"]})
call("DeleteModel", Model.V2.delete_model, mv2["modelId"])
call("DeleteModelSet", Model.V2.delete_model_set, mset2["modelSetId"])
job2 = call("CreateFineTuningJob", FineTune.V2.create_job, "oracle-empty", "ERNIE-Speed-8K", "SFT")
call("DeleteFineTuningJob", FineTune.V2.delete_job, job2["jobId"])

bad = {"rejected": False}
try:
    Data.V2.get_dataset_list(max_keys=1, ak=ak, sk="not-the-secret")
except Exception as e:
    bad = {"rejected": True, "error": str(e)[:300]}
print(json.dumps({"calls": report, "badSignature": bad}))
