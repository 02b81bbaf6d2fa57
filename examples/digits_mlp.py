"""Classify scikit-learn's 8x8 handwritten digits with a multilayer perceptron.

Written exactly as a PyTorch script, with ``import arraygrad as torch``: a Module of Linear
layers, Adam with a cosine learning-rate schedule, mini-batches from a DataLoader, a checkpoint
saved and reloaded. Needs scikit-learn for the bundled data set (``pip install arraygrad[examples]``).

    python examples/digits_mlp.py
"""

import os
import tempfile

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import arraygrad as torch
import arraygrad.nn as nn
import arraygrad.nn.functional as F
from arraygrad.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

# --- data: 1797 images of 8x8 pixels, 10 classes; a stratified 75/25 split ----------------------
digits = load_digits()
X_train, X_test, y_train, y_test = train_test_split(
    digits.data, digits.target, test_size=0.25, random_state=0, stratify=digits.target
)
X_train = torch.tensor(X_train, dtype=torch.float32)
X_test = torch.tensor(X_test, dtype=torch.float32)
y_train = torch.tensor(y_train, dtype=torch.int64)
y_test = torch.tensor(y_test, dtype=torch.int64)

# standardise with the training statistics only
mean = X_train.mean(0, keepdim=True)
std = ((X_train - mean) ** 2).mean(0, keepdim=True).sqrt() + 1e-6
X_train = (X_train - mean) / std
X_test = (X_test - mean) / std

loader = DataLoader(
    TensorDataset(X_train, y_train),
    batch_size=32,
    shuffle=True,
    generator=torch.Generator().manual_seed(0),
)


# --- model --------------------------------------------------------------------------------------
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


model = MLP()
n_epochs = 30
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=n_epochs)


def accuracy(net, x, y):
    net.eval()
    with torch.no_grad():
        predicted = net(x).argmax(1)
    net.train()
    return (predicted == y).float().mean().item()


# --- training -----------------------------------------------------------------------------------
for epoch in range(n_epochs):
    total, count = 0.0, 0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(yb)
        count += len(yb)
    scheduler.step()
    if epoch % 5 == 0 or epoch == n_epochs - 1:
        print(
            f"epoch {epoch + 1}: loss = {total / count:.4f}, lr = {scheduler.get_last_lr()[0]:.5f}"
        )

train_acc = accuracy(model, X_train, y_train)
test_acc = accuracy(model, X_test, y_test)

# --- checkpoint: save, reload into a fresh model, same predictions ------------------------------
with tempfile.TemporaryDirectory() as directory:
    path = os.path.join(directory, "digits_mlp.safetensors")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
    checkpoint = torch.load(path)
restored = MLP()
restored.load_state_dict(checkpoint["model"])
assert accuracy(restored, X_test, y_test) == test_acc

print(f"train accuracy = {train_acc:.4f}")
print(f"test accuracy = {test_acc:.4f}")
