"""Linear SimSiam dynamics (IFT6135 W2023 Q4).  Implement each function; keep the names and signatures.

Conventions (see STUDENT_API.md):
- W is (n2, n1), Wp is (n2, n2); X and Xp (X') are symmetric PSD (n1, n1), with
  E[x1 x1^T] = E[x2 x2^T] = X + X' and E[x1 x2^T] = X.
- vec is column stacking: vec(W) = W.T.reshape(-1) (W.flatten() stacks rows).
- simulate: one forward-Euler step updates W and Wp together from the current (W, Wp)
  with the same dt; norms are recorded before the first step and after each step;
  predictor=False fixes Wp = I.
- Never modify inputs; raise ValueError on invalid input (X or X' not symmetric PSD,
  shapes that do not fit, steps < 0, dt <= 0, ...).
"""
import torch


def simsiam_loss(W, Wp, X, Xp):
    """Return J(W, Wp) in the trace form of eq. (6), a 0-dim tensor."""
    raise NotImplementedError


def predictor_update(W, Wp, X, Xp):
    """Return Wp_dot = -dJ/dWp."""
    raise NotImplementedError


def encoder_update(W, Wp, X, Xp, stop_grad):
    """Return W_dot = -dJ/dW; with stop_grad=True the target W x2 is a constant."""
    raise NotImplementedError


def simsiam_H(Wp, X, Xp):
    """Return H of Q4.3, shape (n1 n2, n1 n2), with vec(W_dot) = -H vec(W) for column-stacking vec."""
    raise NotImplementedError


def simulate(W0, Wp0, X, Xp, dt, steps, stop_grad=False, predictor=True):
    """Return ||W||_F after each of 0..steps forward-Euler steps, shape (steps + 1,)."""
    raise NotImplementedError
