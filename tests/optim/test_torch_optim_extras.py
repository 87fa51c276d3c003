"""LBFGS (closure protocol, strong Wolfe), OneCycleLR and CyclicLR equal to torch 2.13's; SGD(nesterov) state."""

import numpy as np
import pytest
import torch

import nnlab
from nnlab import nn, optim

RNG = np.random.default_rng(0)
X = RNG.standard_normal((32, 5))
Y = np.sin(X @ RNG.standard_normal(5))[:, None]


def _models():
    tm = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    nm = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1)).double()
    nm.load_state_dict({k: nnlab.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, nm


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_trajectory_equals_torch(line_search):
    tm, nm = _models()
    topt = torch.optim.LBFGS(tm.parameters(), lr=0.5 if line_search is None else 1, max_iter=10, history_size=5,
                             line_search_fn=line_search)
    nopt = optim.LBFGS(nm.parameters(), lr=0.5 if line_search is None else 1, max_iter=10, history_size=5,
                       line_search_fn=line_search)
    tx, ty = torch.tensor(X), torch.tensor(Y)
    nx, ny = nnlab.tensor(X, dtype=nnlab.float64), nnlab.tensor(Y, dtype=nnlab.float64)

    def tclosure():
        topt.zero_grad()
        loss = torch.nn.functional.mse_loss(tm(tx), ty)
        loss.backward()
        return loss

    def nclosure():
        nopt.zero_grad()
        loss = nnlab.functional.mse_loss(nm(nx), ny)
        loss.backward()
        return loss

    first = None
    for _ in range(4):
        tl, nl = topt.step(tclosure), nopt.step(nclosure)
        first = first or float(nl)
        np.testing.assert_allclose(float(nl), float(tl.detach()), rtol=1e-9)
        for (name, tp), np_ in zip(tm.named_parameters(), nm.parameters()):
            np.testing.assert_allclose(np_.array, tp.detach().numpy(), rtol=1e-7, atol=1e-9, err_msg=name)
    ts, ns = topt.state[next(iter(tm.parameters()))], nopt.state[next(iter(nm.parameters()))]
    assert ns["func_evals"] == ts["func_evals"] and ns["n_iter"] == ts["n_iter"]
    assert float(nclosure()) < 0.2 * first  # it optimizes


def _schedule(make_t, make_n, steps, opt="sgd"):
    tp, np_ = torch.nn.Parameter(torch.zeros(2)), nnlab.zeros(2, requires_grad=True)
    if opt == "sgd":
        topt, nopt = torch.optim.SGD([tp], lr=0.1, momentum=0.9), optim.SGD([np_], lr=0.1, momentum=0.9)
    else:
        topt, nopt = torch.optim.Adam([tp], lr=0.1), optim.Adam([np_], lr=0.1)
    ts, ns = make_t(topt), make_n(nopt)
    key = "momentum" if opt == "sgd" else "betas"
    for _ in range(steps):
        tg, ng = topt.param_groups[0], nopt.param_groups[0]
        assert ng["lr"] == pytest.approx(tg["lr"], rel=1e-12, abs=1e-15)
        assert np.allclose(ng[key], tg[key], rtol=1e-12)
        topt.step()
        nopt.step()
        ts.step()
        ns.step()


@pytest.mark.parametrize("kw", [dict(), dict(anneal_strategy="linear", three_phase=True, pct_start=0.25),
                                dict(div_factor=10, final_div_factor=100, cycle_momentum=False)])
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_one_cycle_schedule_equals_torch(kw, opt):
    _schedule(lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=40, **kw),
              lambda o: optim.OneCycleLR(o, max_lr=1.0, total_steps=40, **kw), 40, opt)


@pytest.mark.parametrize("kw", [dict(), dict(mode="triangular2", step_size_down=3),
                                dict(mode="exp_range", gamma=0.9), dict(cycle_momentum=False)])
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_cyclic_schedule_equals_torch(kw, opt):
    _schedule(lambda o: torch.optim.lr_scheduler.CyclicLR(o, 0.01, 0.5, step_size_up=4, **kw),
              lambda o: optim.CyclicLR(o, 0.01, 0.5, step_size_up=4, **kw), 30, opt)


def test_torch_optimizer_state_dicts_load_with_0d_step():
    tm, nm = _models()
    for make_t, make_n in [(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
                            lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
                           (lambda p: torch.optim.Adam(p, lr=0.01), lambda p: optim.Adam(p, lr=0.01))]:
        topt, nopt = make_t(tm.parameters()), make_n(nm.parameters())
        for _ in range(3):
            topt.zero_grad()
            torch.nn.functional.mse_loss(tm(torch.tensor(X)), torch.tensor(Y)).backward()
            topt.step()
        sd = topt.state_dict()
        state = {i: {k: (nnlab.tensor(v.numpy()) if isinstance(v, torch.Tensor) else v) for k, v in s.items()}
                 for i, s in sd["state"].items()}
        nopt.load_state_dict({"state": state, "param_groups": sd["param_groups"]})
        nm.load_state_dict({k: nnlab.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
        for _ in range(2):
            for o, m, x, y, F in [(topt, tm, torch.tensor(X), torch.tensor(Y), torch.nn.functional),
                                  (nopt, nm, nnlab.tensor(X, dtype=nnlab.float64), nnlab.tensor(Y, dtype=nnlab.float64),
                                   nnlab.functional)]:
                o.zero_grad()
                F.mse_loss(m(x), y).backward()
                o.step()
        for tp, np_ in zip(tm.parameters(), nm.parameters()):
            np.testing.assert_allclose(np_.array, tp.detach().numpy(), rtol=1e-10, atol=1e-12)
