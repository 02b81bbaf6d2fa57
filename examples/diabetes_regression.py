"""Linear regression on scikit-learn's diabetes data, checked against the least-squares fit.

A PyTorch script run by arraygrad (``import arraygrad as torch``): ``nn.Linear`` trained with
mini-batch SGD + momentum under a cosine schedule on the mean squared error. The exact
least-squares solution on the same split is computed too (with NumPy), and the two test R^2
scores are printed side by side. Needs scikit-learn (``pip install arraygrad[examples]``).

    python examples/diabetes_regression.py
"""

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

import arraygrad as torch
import arraygrad.nn as nn
import arraygrad.nn.functional as F
from arraygrad.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

# --- data: 442 patients, 10 features, a disease-progression target; 80/20 split ------------------
X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)

# standardise features and target with the training statistics (R^2 does not change)
x_mean, x_std = X_train.mean(0), X_train.std(0)
y_mean, y_std = y_train.mean(), y_train.std()


def features(a):
    return torch.tensor((a - x_mean) / x_std, dtype=torch.float64)


def target(a):
    return torch.tensor((a - y_mean) / y_std, dtype=torch.float64).unsqueeze(1)


train = TensorDataset(features(X_train), target(y_train))
loader = DataLoader(train, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0))

model = nn.Linear(10, 1, dtype=torch.float64)
n_epochs = 150
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=n_epochs)

for epoch in range(n_epochs):
    total, count = 0.0, 0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(yb)
        count += len(yb)
    scheduler.step()
    if epoch % 30 == 0 or epoch == n_epochs - 1:
        print(f"epoch {epoch + 1}: loss = {total / count:.4f}")


def r2(predicted, actual):
    return 1.0 - ((actual - predicted) ** 2).sum() / ((actual - actual.mean()) ** 2).sum()


with torch.no_grad():
    predicted = model(features(X_test)).squeeze(1).numpy() * y_std + y_mean
r2_model = r2(predicted, y_test)

# the closed-form least-squares fit (with an intercept) on the same training data
design = np.hstack([X_train, np.ones((len(X_train), 1))])
coef, *_ = np.linalg.lstsq(design, y_train, rcond=None)
r2_exact = r2(np.hstack([X_test, np.ones((len(X_test), 1))]) @ coef, y_test)

print(f"test R^2 (arraygrad, SGD) = {r2_model:.4f}")
print(f"test R^2 (least squares)  = {r2_exact:.4f}")
print(f"difference = {abs(r2_model - r2_exact):.4f}")
