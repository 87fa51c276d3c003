"""Foundations, measured: vectorization's speed-up, linear collapse, activation properties, dead ReLUs, symmetry.

Run: python examples/lessons_foundations.py

Prints the time of one logistic-regression gradient step with Python loops and with
matrix products (same numbers, a measured speed-up), the activation table (saturation,
zero-centring, sparsity), dead units after a large learning rate (ReLU vs leaky ReLU) and
the symmetry-breaking experiment (zero / constant / random start).
"""

from __future__ import annotations


from nnlab.lessons.activations import activation_properties, dead_units_after_training
from nnlab.lessons.common import Timing
from nnlab.lessons.foundations import vectorization_speedup
from nnlab.lessons.initialization import symmetry_experiment


def main() -> dict:
    timing = Timing.start()
    speed = vectorization_speedup(m=2000, n=50)
    print(f"logistic regression step, m=2000, n=50: loops {speed['loop_s'] * 1e3:.1f} ms, vectorized "
          f"{speed['vectorized_s'] * 1e3:.3f} ms, speed-up {speed['speedup']:.0f}x, "
          f"max difference {speed['max_abs_diff']:.1e}")
    props = activation_properties()
    print(f"{'activation':>11} {'max g′':>7} {'g′(±6)':>9} {'mean on N(0,1)':>15} {'zeros':>6}")
    for name, p in props.items():
        print(f"{name:>11} {p['max_grad']:7.3f} {p['tail_grad']:9.2e} {p['mean']:15.3f} {p['zero_fraction']:6.2f}")
    dead = {(act, lr): dead_units_after_training(act, lr) for act in ("relu", "leaky_relu") for lr in (0.1, 10.0)}
    for (act, lr), r in dead.items():
        print(f"{act:>10}, lr {lr:>4}: {r['silent']:3d}/100 silent, {r['frozen']:3d}/100 frozen (zero gradient), "
              f"train accuracy {r['accuracy']:.3f}")
    sym = {s: symmetry_experiment(s) for s in ("zeros", "constant", "random")}
    for s, r in sym.items():
        print(f"{s:>8} start: {r['distinct_units']} distinct hidden unit(s) of 8, spread {r['spread']:.3g}, "
              f"XOR accuracy {r['accuracy']:.3f}")
    print(f"{timing.stop()}")
    return {"speed": speed, "activations": props, "dead": dead, "symmetry": sym}


if __name__ == "__main__":
    main()
