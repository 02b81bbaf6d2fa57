"""Classify scikit-learn's 8x8 handwritten digits with a small convolutional network.

A PyTorch script run by arraygrad (``import arraygrad as torch``): two 3x3 convolutions, max
pooling and a linear head, trained with SGD + Nesterov momentum under a one-cycle schedule.
Needs scikit-learn for the bundled data set (``pip install arraygrad[examples]``).

    python examples/digits_cnn.py
"""

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import arraygrad as torch
import arraygrad.nn as nn
import arraygrad.nn.functional as F
from arraygrad.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

# --- data: images as (N, 1, 8, 8) with pixel values scaled to [0, 1] ------------------------------
digits = load_digits()
X_train, X_test, y_train, y_test = train_test_split(
    digits.images, digits.target, test_size=0.25, random_state=0, stratify=digits.target
)
X_train = torch.tensor(X_train / 16.0, dtype=torch.float32).unsqueeze(1)
X_test = torch.tensor(X_test / 16.0, dtype=torch.float32).unsqueeze(1)
y_train = torch.tensor(y_train, dtype=torch.int64)
y_test = torch.tensor(y_test, dtype=torch.int64)

loader = DataLoader(
    TensorDataset(X_train, y_train),
    batch_size=32,
    shuffle=True,
    generator=torch.Generator().manual_seed(0),
)


# --- model --------------------------------------------------------------------------------------
class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


model = CNN()
n_epochs = 10
optimizer = torch.optim.SGD(
    model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4
)
scheduler = torch.optim.lr_scheduler.OneCycleLR(
    optimizer, max_lr=0.1, epochs=n_epochs, steps_per_epoch=len(loader)
)


def accuracy(net, x, y):
    net.eval()
    with torch.no_grad():
        predicted = net(x).argmax(1)
    net.train()
    return (predicted == y).float().mean().item()


# --- training: the schedule steps once per batch ------------------------------------------------
for epoch in range(n_epochs):
    total, count = 0.0, 0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        scheduler.step()
        total += loss.item() * len(yb)
        count += len(yb)
    if epoch % 2 == 0 or epoch == n_epochs - 1:
        print(
            f"epoch {epoch + 1}: loss = {total / count:.4f}, lr = {scheduler.get_last_lr()[0]:.5f}"
        )

print(f"train accuracy = {accuracy(model, X_train, y_train):.4f}")
print(f"test accuracy = {accuracy(model, X_test, y_test):.4f}")
