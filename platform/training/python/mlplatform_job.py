"""The training-job side of the local platform, for Python jobs (the platform puts this module on
PYTHONPATH of every job that declares python.requirements; copy it anywhere else you like: it only uses
the standard library). The protocol it speaks is documented in platform/API.md ("Training job protocol"):
the job reads its inputs from MLP_* environment variables, writes its artifacts to MLP_OUTPUT_DIR, and
reports metrics as JSON lines on stdout.
"""
import json
import math
import os
import sys

__all__ = ["log_metric", "hyperparameters", "dataset_dir", "dataset_file", "output_dir"]


def log_metric(name, value, step=None):
    """Reports one metric point: a JSON line {"metric", "value"[, "step"]} on stdout, flushed at once.

    Without a step the platform numbers the points of each metric 0, 1, 2, ...; the last value of each
    metric becomes the job's finalMetrics (and a model registered from its output takes them).
    """
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"metric {name!r} must be a finite number, got {value}")
    point = {"metric": str(name), "value": value}
    if step is not None:
        point["step"] = int(step)
    sys.stdout.write(json.dumps(point) + "\n")
    sys.stdout.flush()


def hyperparameters():
    """The job's hyperParameters as a dict (strings, numbers and booleans, as declared)."""
    return json.loads(os.environ.get("MLP_HYPERPARAMETERS", "{}"))


def dataset_dir():
    """The dataset version's files (read them, do not write)."""
    return os.environ["MLP_DATASET_DIR"]


def dataset_file():
    """The data file of a csv/jsonl dataset, or None for other formats."""
    return os.environ.get("MLP_DATASET_FILE")


def output_dir():
    """Where the job writes its artifacts; stored by the platform when the job exits with code 0."""
    return os.environ["MLP_OUTPUT_DIR"]
