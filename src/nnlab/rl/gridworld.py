"""A tiny grid world with a known model, and dynamic programming on it: value iteration, policy evaluation.

When the environment's model p(s', r | s, a) is known, the optimal values solve the
Bellman optimality equation V*(s) = max_a Σ_{s', r} p(s', r | s, a) [r + γ V*(s')]. Value
iteration applies that update until it stops changing (it is a γ-contraction, so it
converges to V* from any start); the greedy policy of V* is optimal. A fixed policy's
values solve a *linear* system, V^π = r^π + γ P^π V^π, solved exactly here.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from nnlab.rl.core import check_action

#: Actions: up, right, down, left as (row, column) moves.
MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))


class GridWorld(gym.Env):
    """A rows × cols grid: walk to a goal, each step costs ``step_reward``; walls block; moves may slip.

    The state is the cell index ``row * cols + col``; actions 0–3 move up/right/down/left
    (into a wall or off the grid: stay). With probability ``slip`` the move goes to one of the
    two perpendicular directions instead (half each). Entering a goal gives its reward and
    ends the episode. ``P[s][a]`` lists ``(probability, next_state, reward, terminated)``
    like Gymnasium's toy-text environments.

    Args:
        rows, cols: the grid size (default 4 × 4).
        goals: {cell: reward} for terminal cells (default {(rows−1, cols−1): 0.0}, bottom right).
        walls: blocked cells (default none). step_reward: reward of every step (default −1).
        slip: probability of slipping sideways (default 0). start: start cell (default (0, 0)).
        max_steps: truncation (default 100).
    """

    metadata = {"render_modes": ["ansi"]}

    def __init__(self, rows: int = 4, cols: int = 4, goals: dict | None = None, walls=(), step_reward: float = -1.0,
                 slip: float = 0.0, start=(0, 0), max_steps: int = 100):
        if not 0.0 <= slip <= 1.0:
            raise ValueError(f"GridWorld: slip must lie in [0, 1], got {slip}")
        self.rows, self.cols, self.slip, self.step_reward, self.max_steps = rows, cols, slip, step_reward, max_steps
        self.goals = {tuple(k): float(v) for k, v in (goals or {(rows - 1, cols - 1): 0.0}).items()}
        self.walls = {tuple(w) for w in walls}
        for cell in list(self.goals) + list(self.walls) + [tuple(start)]:
            if not (0 <= cell[0] < rows and 0 <= cell[1] < cols):
                raise ValueError(f"GridWorld: cell {cell} lies outside the {rows} × {cols} grid")
        if tuple(start) in self.walls or tuple(start) in self.goals:
            raise ValueError(f"GridWorld: the start cell {tuple(start)} is a wall or a goal")
        self.start = self.index(start)
        self.observation_space = spaces.Discrete(rows * cols)
        self.action_space = spaces.Discrete(4)
        self.P = self._model()
        self.state, self.steps = self.start, 0

    def index(self, cell) -> int:
        return int(cell[0]) * self.cols + int(cell[1])

    def cell(self, s: int) -> tuple[int, int]:
        return divmod(int(s), self.cols)

    def is_terminal(self, s: int) -> bool:
        return self.cell(s) in self.goals

    def _move(self, s: int, a: int) -> int:
        r, c = self.cell(s)
        nr, nc = r + MOVES[a][0], c + MOVES[a][1]
        if not (0 <= nr < self.rows and 0 <= nc < self.cols) or (nr, nc) in self.walls:
            return s
        return self.index((nr, nc))

    def _model(self) -> list[list[list[tuple[float, int, float, bool]]]]:
        P = []
        for s in range(self.rows * self.cols):
            row = []
            for a in range(4):
                if self.is_terminal(s) or self.cell(s) in self.walls:
                    row.append([(1.0, s, 0.0, True)])
                    continue
                outcomes: dict[int, float] = {}
                for b, p in ((a, 1.0 - self.slip), ((a + 1) % 4, self.slip / 2), ((a + 3) % 4, self.slip / 2)):
                    if p > 0:
                        nxt = self._move(s, b)
                        outcomes[nxt] = outcomes.get(nxt, 0.0) + p
                row.append([(p, n, self.step_reward + self.goals.get(self.cell(n), 0.0), self.is_terminal(n))
                            for n, p in outcomes.items()])
            P.append(row)
        return P

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.state, self.steps = self.start, 0
        return self.state, {}

    def step(self, action):
        a = check_action(self.action_space, action, "GridWorld.step")
        outcomes = self.P[self.state][a]
        k = self.np_random.choice(len(outcomes), p=[o[0] for o in outcomes]) if len(outcomes) > 1 else 0
        _, self.state, reward, terminated = outcomes[k]
        self.steps += 1
        return self.state, reward, terminated, self.steps >= self.max_steps and not terminated, {}

    def render(self) -> str:
        chars = {self.index(g): "G" for g in self.goals} | {self.index(w): "#" for w in self.walls}
        chars[self.state] = "A"
        return "\n".join("".join(chars.get(r * self.cols + c, ".") for c in range(self.cols)) for r in range(self.rows))


def q_values(P, V: np.ndarray, gamma: float) -> np.ndarray:
    """Q(s, a) = Σ p (r + γ V(s')·[not terminal]) for a model P. Shape: (S, A)."""
    return np.array([[sum(p * (r + (0.0 if done else gamma * V[n])) for p, n, r, done in P[s][a])
                      for a in range(len(P[s]))] for s in range(len(P))])


def value_iteration(P, gamma: float = 1.0, tol: float = 1e-10, max_iter: int = 10_000) -> tuple[np.ndarray, np.ndarray, int]:
    """V*(s) ← max_a Σ p (r + γ V*(s')) until the largest change is below ``tol``.

    Returns:
        (V* (S,), the greedy policy (S,) of action indices, the number of sweeps).
    """
    V = np.zeros(len(P))
    for it in range(1, max_iter + 1):
        new = q_values(P, V, gamma).max(1)
        delta = float(np.max(np.abs(new - V)))
        V = new
        if delta < tol:
            return V, q_values(P, V, gamma).argmax(1), it
    raise RuntimeError(f"value_iteration: no convergence within {max_iter} sweeps (last change {delta:.3g}); "
                       f"with gamma = 1 every policy must reach a terminal state")


def policy_evaluation(P, policy, gamma: float) -> np.ndarray:
    """V^π exactly, from the linear system (I − γ P^π) V = r^π; ``policy`` is (S,) actions or (S, A) probabilities."""
    S = len(P)
    pi = np.asarray(policy)
    probs = np.eye(len(P[0]))[pi] if pi.ndim == 1 else pi
    T = np.zeros((S, S))
    r = np.zeros(S)
    for s in range(S):
        for a, pa in enumerate(probs[s]):
            for p, n, rew, done in P[s][a]:
                r[s] += pa * p * rew
                if not done:
                    T[s, n] += pa * p * gamma
    return np.linalg.solve(np.eye(S) - T, r)
