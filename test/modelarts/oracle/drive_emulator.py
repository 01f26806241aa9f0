# Drives the ModelArts emulator with the vendor's own Python SDK (huaweicloudsdkcore + huaweicloudsdkmodelarts):
# the SDK's ModelArtsClient, with BasicCredentials (AK/SK + project id) and the SDK's signer, sends every call
# the driver uses: training jobs through the SDK's GENERATED operations and request models (CreateTrainingJob,
# ShowTrainingJobDetails, ChangeTrainingJobDescription, StopTrainingJob, ListTrainingJobs, ShowTrainingJobLogsPreview,
# ShowTrainingJobMetrics, ShowTrainingJobFlavors, DeleteTrainingJob: the SDK serialises the request and
# deserialises the emulator's answer into its response models), the rest through its client's call_api()
# (v2 datasets, v1 models and classic v1 services have no generated op), then one request signed with a wrong
# secret. Prints a JSON report: each call, whether it was accepted.
# Usage: drive_emulator.py <endpoint> <ak> <sk> <project_id> <obs_source> <obs_data> <obs_code>
import json
import sys
import time

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.sdk_response import SdkResponse
from huaweicloudsdkmodelarts.v1 import ModelArtsClient
import huaweicloudsdkmodelarts.v1.model as model_package
from huaweicloudsdkmodelarts.v1 import (
    ChangeTrainingJobDescriptionRequest, CreateTrainingJobRequest, DeleteTrainingJobRequest, Filter, Input, InputDataInfo,
    InputDataInfoDataset, Job, JobActionType, JobAlgorithm, JobEngine, JobMetadata, JobSearches, JobUpdateRequestBody,
    ListTrainingJobsRequest, Output, Parameters, Remote, RemoteObs, ShowTrainingJobDetailsRequest, ShowTrainingJobFlavorsRequest,
    ShowTrainingJobLogsPreviewRequest, ShowTrainingJobMetricsRequest, Spec, SpecResource, StopTrainingJobRequest)


class RawJsonResponse(SdkResponse):
    """call_api() needs a response model by name; an empty one keeps the raw body (raw_content) untouched."""
    openapi_types = {}
    attribute_map = {}


model_package.RawJsonResponse = RawJsonResponse

endpoint, ak, sk, project_id, source, data, code = sys.argv[1:8]
calls = []


def client(secret):
    cfg = HttpConfig.get_default_config()
    cfg.retry_times = 0
    return (ModelArtsClient.new_builder().with_http_config(cfg)
            .with_credentials(BasicCredentials(ak, secret, project_id)).with_endpoint(endpoint).build())


def call(c, name, method, path, body=None, query=None, path_params=None):
    try:
        resp = c.call_api(path, method, path_params=path_params or {"project_id": project_id}, query_params=list((query or {}).items()),
                          header_params={"Content-Type": "application/json"}, body=body, response_type="RawJsonResponse",
                          auth_settings=[], collection_formats={}, request_type=name)
        # No response model: the SDK hands back an SdkResponse carrying the raw body.
        data = json.loads(resp.raw_content or b"{}")
        calls.append({"action": name, "ok": True})
        return data
    except exceptions.ServiceResponseException as e:
        calls.append({"action": name, "ok": False, "error": f"{e.status_code} {e.error_code} {e.error_msg}"})
        raise


def op(name, fn):
    """A generated operation: the SDK builds, signs and sends the request and parses the answer into its model."""
    try:
        resp = fn()
        calls.append({"action": name, "ok": True})
        return resp
    except exceptions.ServiceResponseException as e:
        calls.append({"action": name, "ok": False, "error": f"{e.status_code} {e.error_code} {e.error_msg}"})
        raise


def training(c, dataset_id, version_id):
    out = "/" + code[len("obs://"):].split("/")[0] + "/oracle/output/"

    def job(name):
        return Job(kind="job", metadata=JobMetadata(name=name, description="from the vendor SDK"),
                   algorithm=JobAlgorithm(code_dir=code, boot_file=code + "train.py",
                                          engine=JobEngine(engine_name="PyTorch", engine_version="PyTorch-1.4.0-python3.6"),
                                          parameters=[Parameters(name="epochs", value="3"), Parameters(name="lr", value="0.1")],
                                          inputs=[Input(name="data_url", remote=InputDataInfo(dataset=InputDataInfoDataset(id=dataset_id, version_id=version_id)))],
                                          outputs=[Output(name="train_url", remote=Remote(obs=RemoteObs(obs_url=out)))],
                                          environments={"SEED": "1"}),
                   spec=Spec(resource=SpecResource(flavor_id="modelarts.vm.cpu.8u", node_count=2)))

    op("ShowTrainingJobFlavors", lambda: c.show_training_job_flavors(ShowTrainingJobFlavorsRequest()))
    created = op("CreateTrainingJob", lambda: c.create_training_job(CreateTrainingJobRequest(body=job("oracle-train"))))
    jid = created.metadata.id
    op("ListTrainingJobs", lambda: c.list_training_jobs(ListTrainingJobsRequest(body=JobSearches(
        offset=0, limit=50, filters=[Filter(key="name", operator="like", value=["oracle-train"])]))))
    for _ in range(100):
        detail = op("ShowTrainingJobDetails", lambda: c.show_training_job_details(ShowTrainingJobDetailsRequest(training_job_id=jid)))
        if detail.status.phase in ("Completed", "Failed", "Terminated"):
            break
        time.sleep(0.1)
    if detail.status.phase != "Completed" or detail.algorithm.parameters[0].value != "3":
        raise RuntimeError(f"training job ended {detail.status.phase}")
    op("ChangeTrainingJobDescription", lambda: c.change_training_job_description(ChangeTrainingJobDescriptionRequest(
        training_job_id=jid, body=JobUpdateRequestBody(description="renamed by the SDK"))))
    logs = op("ShowTrainingJobLogsPreview", lambda: c.show_training_job_logs_preview(ShowTrainingJobLogsPreviewRequest(training_job_id=jid, task_id="worker-0")))
    metrics = op("ShowTrainingJobMetrics", lambda: c.show_training_job_metrics(ShowTrainingJobMetricsRequest(training_job_id=jid, task_id="worker-0")))
    if "epoch" not in (logs.content or "") or not metrics.metrics:
        raise RuntimeError("no log or metrics")
    # A second job, stopped while it runs (terminate through /actions), then both deleted.
    second = op("CreateTrainingJob", lambda: c.create_training_job(CreateTrainingJobRequest(body=job("oracle-stop"))))
    stopped = op("StopTrainingJob", lambda: c.stop_training_job(StopTrainingJobRequest(training_job_id=second.metadata.id, body=JobActionType(action_type="terminate"))))
    if stopped.status.phase != "Terminating":
        raise RuntimeError(f"stop answered {stopped.status.phase}")
    op("DeleteTrainingJob", lambda: c.delete_training_job(DeleteTrainingJobRequest(training_job_id=second.metadata.id)))
    op("DeleteTrainingJob", lambda: c.delete_training_job(DeleteTrainingJobRequest(training_job_id=jid)))


def report(code=0):
    print(json.dumps({"calls": calls, "badSignature": bad}))
    sys.exit(code)


bad = {"rejected": False}
try:
    c = client(sk)
    m1 = call(c, "CreateModel", "POST", "/v1/{project_id}/models",
              {"model_name": "oracle-model", "model_version": "1.0.0", "source_location": source, "model_type": "Custom", "description": "from the vendor SDK",
               "model_metrics": json.dumps({"accuracy": 0.97, "f1": 0.96})})
    m2 = call(c, "CreateModel", "POST", "/v1/{project_id}/models",
              {"model_name": "oracle-model", "model_version": "1.0.1", "source_location": source, "model_type": "Custom"})
    call(c, "ListModels", "GET", "/v1/{project_id}/models", query={"model_name": "oracle-model", "limit": "100", "offset": "0"})
    for _ in range(100):
        if call(c, "ShowModel", "GET", "/v1/{project_id}/models/{model_id}", path_params={"project_id": project_id, "model_id": m2["model_id"]})["model_status"] == "published":
            break
        time.sleep(0.1)
    call(c, "ListSpecifications", "GET", "/v1/{project_id}/services/specifications", query={"is_personal_cluster": "false", "infer_type": "real-time"})
    cfg = lambda w, mid, n=1: {"model_id": mid, "weight": w, "specification": "modelarts.vm.cpu.2u", "instance_count": n, "envs": {"A": "1"}}
    svc = call(c, "CreateService", "POST", "/v1/{project_id}/services",
               {"service_name": "oracle-svc", "infer_type": "real-time", "description": "sdk", "config": [cfg(70, m1["model_id"]), cfg(30, m2["model_id"])]})
    sp = {"project_id": project_id, "service_id": svc["service_id"]}
    call(c, "ListServices", "GET", "/v1/{project_id}/services", query={"service_name": "oracle-svc", "limit": "100"})

    def wait(status):
        for _ in range(100):
            if call(c, "ShowService", "GET", "/v1/{project_id}/services/{service_id}", path_params=sp)["status"] == status:
                return
            time.sleep(0.1)
        raise RuntimeError(f"service never reached {status}")

    wait("running")
    try:
        call(c, "DeleteModel(in use)", "DELETE", "/v1/{project_id}/models/{model_id}", path_params={"project_id": project_id, "model_id": m1["model_id"]})
    except exceptions.ServerResponseException as e:
        # ModelArts answers 500 ModelArts.3009 for a deployed model: the expected refusal.
        calls[-1] = {"action": "DeleteModel(in use)", "ok": e.error_code == "ModelArts.3009", "error": f"{e.status_code} {e.error_code}"}
    call(c, "UpdateService", "PUT", "/v1/{project_id}/services/{service_id}", {"config": [cfg(100, m2["model_id"], 2)]}, path_params=sp)
    wait("running")
    call(c, "UpdateService(status)", "PUT", "/v1/{project_id}/services/{service_id}", {"status": "stopped"}, path_params=sp)
    wait("stopped")
    call(c, "UpdateService(status)", "PUT", "/v1/{project_id}/services/{service_id}", {"status": "running"}, path_params=sp)
    wait("running")
    call(c, "DeleteModel", "DELETE", "/v1/{project_id}/models/{model_id}", path_params={"project_id": project_id, "model_id": m1["model_id"]})
    call(c, "DeleteService", "DELETE", "/v1/{project_id}/services/{service_id}", path_params=sp)
    time.sleep(0.5)
    call(c, "DeleteModel", "DELETE", "/v1/{project_id}/models/{model_id}", path_params={"project_id": project_id, "model_id": m2["model_id"]})

    # v2 datasets: create over OBS data, wait for status 1 (normal), publish a version, rename, delete.
    bucket = data[len("obs://"):].split("/")[0]
    ds = call(c, "CreateDataset", "POST", "/v2/{project_id}/datasets",
              {"dataset_name": "oracle-data", "dataset_type": 900, "data_sources": [{"data_type": 0, "data_path": data[len("obs:/"):]}],
               "work_path": f"/{bucket}/oracle/work/", "work_path_type": 0, "description": "from the vendor SDK"})
    dp = {"project_id": project_id, "dataset_id": ds["dataset_id"]}
    call(c, "ListDatasets", "GET", "/v2/{project_id}/datasets", query={"search_content": "oracle-data", "limit": "100"})
    for _ in range(100):
        if call(c, "ShowDataset", "GET", "/v2/{project_id}/datasets/{dataset_id}", path_params=dp)["status"] == 1:
            break
        time.sleep(0.1)
    call(c, "CreateDatasetVersion", "POST", "/v2/{project_id}/datasets/{dataset_id}/versions", {"version_name": "V001", "version_format": "Default"}, path_params=dp)
    versions = call(c, "ListDatasetVersions", "GET", "/v2/{project_id}/datasets/{dataset_id}/versions", path_params=dp)["versions"]
    training(c, ds["dataset_id"], versions[0]["version_id"])
    # New data into the same dataset: an import task from OBS, waited until COMPLETED, then the next version.
    task = call(c, "CreateImportTask", "POST", "/v2/{project_id}/datasets/{dataset_id}/import-tasks",
                {"import_path": data, "import_type": "dir", "import_annotations": False}, path_params=dp)
    call(c, "ListImportTasks", "GET", "/v2/{project_id}/datasets/{dataset_id}/import-tasks", path_params=dp)
    for _ in range(100):
        if call(c, "ShowImportTask", "GET", "/v2/{project_id}/datasets/{dataset_id}/import-tasks/{task_id}",
                path_params={**dp, "task_id": task["task_id"]})["status"] == "COMPLETED":
            break
        time.sleep(0.1)
    for _ in range(100):
        if call(c, "ShowDataset", "GET", "/v2/{project_id}/datasets/{dataset_id}", path_params=dp)["status"] == 1:
            break
        time.sleep(0.1)
    call(c, "CreateDatasetVersion", "POST", "/v2/{project_id}/datasets/{dataset_id}/versions", {"version_name": "V002", "version_format": "Default"}, path_params=dp)
    call(c, "UpdateDataset", "PUT", "/v2/{project_id}/datasets/{dataset_id}", {"dataset_name": "oracle-data-2", "description": "renamed"}, path_params=dp)
    call(c, "DeleteDataset", "DELETE", "/v2/{project_id}/datasets/{dataset_id}", path_params=dp)
except Exception as e:  # report what ran so far; the test shows it
    calls.append({"action": "script", "ok": False, "error": repr(e)})
    report(1)

try:
    client(sk + "x").call_api("/v1/{project_id}/models", "GET", path_params={"project_id": project_id}, query_params=[],
                              header_params={"Content-Type": "application/json"}, response_type="RawJsonResponse", auth_settings=[], collection_formats={})
except exceptions.ClientRequestException as e:
    bad = {"rejected": e.status_code == 401, "error": f"{e.status_code} {e.error_code} {e.error_msg}"}
report(0)
