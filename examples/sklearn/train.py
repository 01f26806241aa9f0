"""Trains a scikit-learn classifier on the iris CSV the platform hands the job, and exports it to ONNX.

Hyper-parameters (hyperParameters in ml.yaml): estimator = "logreg" (StandardScaler + LogisticRegression,
C) or "forest" (RandomForestClassifier, n_estimators, max_depth). Everything is seeded, so the same data and
hyper-parameters give the same model bytes.

Output: $MLP_OUTPUT_DIR/model.onnx with input "input" FP32 [N, 4] and outputs "label" (the species, BYTES [N])
and "probabilities" (FP32 [N, 3]); metrics (cross-validation accuracy per fold, then held-out accuracy) as
JSON lines through mlplatform_job.log_metric (platform/API.md, "Training job protocol").
"""
import csv
import os

import numpy as np
from mlplatform_job import dataset_file, hyperparameters, log_metric, output_dir
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

SEED = 0


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], [r for r in rows[1:] if r]
    X = np.array([[float(v) for v in r[:-1]] for r in body], dtype=np.float32)
    y = np.array([r[-1] for r in body])
    return header[:-1], X, y


def estimator(hp):
    kind = hp.get("estimator", "logreg")
    if kind == "logreg":
        return make_pipeline(StandardScaler(), LogisticRegression(C=float(hp.get("C", 1.0)), max_iter=1000))
    if kind == "forest":
        depth = hp.get("max_depth")
        return RandomForestClassifier(n_estimators=int(hp.get("n_estimators", 50)), max_depth=int(depth) if depth else None, random_state=SEED)
    raise SystemExit(f'hyper-parameter estimator must be "logreg" or "forest", got {kind!r}')


def main():
    hp = hyperparameters()
    features, X, y = load(dataset_file())
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=SEED)
    model = estimator(hp)
    folds = cross_val_score(model, X_train, y_train, cv=StratifiedKFold(5, shuffle=True, random_state=SEED))
    for step, score in enumerate(folds):
        log_metric("cv_accuracy", score, step=step)
    model.fit(X_train, y_train)
    log_metric("accuracy", model.score(X_test, y_test))

    # zipmap off: class probabilities as one FP32 tensor (KServe v2 carries tensors, not maps); skl2onnx
    # then names the outputs "label" and "probabilities".
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    onx = convert_sklearn(
        model,
        initial_types=[("input", FloatTensorType([None, len(features)]))],
        options={id(final): {"zipmap": False}},
        final_types=None,
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    with open(os.path.join(output_dir(), "model.onnx"), "wb") as f:
        f.write(onx.SerializeToString())
    print(f"wrote model.onnx: {type(final).__name__}, {len(features)} features, classes {[str(c) for c in model.classes_]}")


if __name__ == "__main__":
    main()
