"""``nnlab tune --workers 2`` and ``nnlab diagnose`` end to end on the digits."""

import glob

from nnlab.cli import main


def test_tune_two_workers_then_diagnose_a_trial(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/study.db"
    code = main(["tune", "--workers", "2", "--trials", "4", "--epochs", "1", "--sampler", "random",
                 "--storage", url, "--out", str(tmp_path), "--param", "lr=log:1e-2:0.1"])
    out = capsys.readouterr().out
    assert code == 0 and "4 trials in study 'digits'" in out
    assert (tmp_path / "search.png").exists()
    runs = sorted(glob.glob(str(tmp_path / "trial-*")))
    assert len(runs) == 4
    assert main(["diagnose", runs[0], "--human", "0.01"]) == 0
    report = capsys.readouterr().out
    assert "avoidable bias" in report and "largest gap" in report


def test_tune_bad_param_is_one_line(capsys):
    assert main(["tune", "--param", "lr=log:0:1"]) == 1
    assert "search space 'lr': a log range must be > 0" in capsys.readouterr().err
