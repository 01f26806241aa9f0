# The ModelArts example's training script (the boot file of examples/modelarts: the code directory is uploaded
# to OBS when it changes). It runs on the PyTorch engine: ModelArts passes each hyper-parameter as
# --<name>=<value>, the dataset version's local copy as --data_url and the output directory as --train_url;
# the ONNX file written there is uploaded to the job's OBS output, which the example registers as a model.
import argparse
import csv
import glob
import os

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--data_url", default="/home/ma-user/modelarts/inputs/data_url_0")
parser.add_argument("--train_url", default="/home/ma-user/modelarts/outputs/train_url_0")
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--lr", type=float, default=0.1)
args, _ = parser.parse_known_args()

rows = []
for path in glob.glob(os.path.join(args.data_url, "**", "*.csv"), recursive=True):
    with open(path) as f:
        rows.extend(csv.DictReader(f))
labels = sorted({r["species"] for r in rows})
features = [k for k in rows[0] if k != "species"]
x = torch.tensor([[float(r[k]) for k in features] for r in rows])
y = torch.tensor([labels.index(r["species"]) for r in rows])

model = torch.nn.Linear(len(features), len(labels))
optimiser = torch.optim.SGD(model.parameters(), lr=args.lr)
for epoch in range(1, args.epochs + 1):
    optimiser.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimiser.step()
    print(f"epoch {epoch} loss {loss.item():.4f}")

os.makedirs(args.train_url, exist_ok=True)
torch.onnx.export(model, x[:1], os.path.join(args.train_url, "model.onnx"), input_names=["input"], output_names=["logits"])
print(f"model written to {args.train_url}")
