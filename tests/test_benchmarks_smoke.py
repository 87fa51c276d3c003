"""The benchmark harness's plumbing (never its speed): one tiny workload end to end, and missing layers reported."""

import json

from benchmarks.frameworks import Framework, Missing
from benchmarks.harness import QUICK, WORKLOADS, run, time_workload
from benchmarks.report import markdown
from benchmarks.workload import Workload


def test_quick_run_of_one_tiny_workload(tmp_path):
    results = run(["g"], quick=True, out_dir=tmp_path, log=lambda msg: None)
    saved = json.loads((tmp_path / "latest.json").read_text())
    assert saved["quick"] is True and saved["machine"]["cpus"] >= 1
    (row,) = saved["workloads"]
    assert row["key"] == "g" and row["status"] == "ok", row
    for fw in ("nnlab", "torch"):
        assert row[fw]["repeats"] == QUICK.repeats
        assert row[fw]["samples_per_s"] > 0 and row[fw]["step_ms"] > 0
        assert row["memory"][fw]["status"] == "ok" and row["memory"][fw]["peak_mib"] >= 0
    expected = row["torch"]["step_ms"] / row["nnlab"]["step_ms"]
    assert abs(row["ratio"] - expected) < 1e-9 * expected
    table = (tmp_path / "latest.md").read_text()
    assert table == markdown(results)
    assert "| g | logistic regression" in table and f"**{row['ratio']:.2f}**" in table


def _needs_a_layer(fw: Framework):
    fw.require("nn.Linear")  # both have it
    if fw.name == "nnlab":
        raise Missing("nnlab has no nn.Imaginary")

    def step():
        return None

    return step


def test_missing_layers_are_reported_not_dropped():
    w = Workload("z", "needs a layer nnlab lacks", 4, _needs_a_layer, target=0.5)
    row = {"key": w.key, "title": w.title, "batch": w.batch, "target": w.target, "memory_target": None,
           "reference_target": None, "memory": {}}
    row.update(time_workload(w, QUICK))
    assert row["status"] == "missing"
    assert row["missing"] == {"nnlab": "nnlab has no nn.Imaginary"}
    assert "ratio" not in row and row["torch"]["repeats"] == QUICK.repeats
    line = next(x for x in markdown({"machine": {}, "settings": QUICK.__dict__, "started": "now", "quick": True,
                                     "workloads": [row]}).splitlines() if x.startswith("| z |"))
    assert "missing: nnlab has no nn.Imaginary" in line


def test_every_issue_workload_is_registered():
    assert list(WORKLOADS) == ["a", "b", "c", "d", "e", "f_mlp", "f_lenet", "g", "h", "d_yolo", "s_unet"]
