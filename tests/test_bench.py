"""`designer-app bench` on a tiny prior: well-formed outputs, resume, and metrics that match the runs."""

import json

import pytest
from conftest import TINY_SETTINGS

from designer_app.bench import BenchSpec, RunResult, parse_seeds
from designer_app.bench_report import run_metrics, summarise
from designer_app.cli import main
from designer_app.config import ConfigError
from designer_app.core import metrics


def _bench(tmp_path, prior, out, methods="pretrained,ga,greedy"):
    argv = [
        "bench",
        "--oracle",
        "qed",
        "--prior",
        str(prior),
        "--methods",
        methods,
        "--budget",
        "16",
        "--batch-size",
        "8",
        "--seeds",
        "2",
        "--out",
        str(out),
        *TINY_SETTINGS,
    ]
    assert main(argv) == 0


def test_tiny_bench_writes_well_formed_outputs(tmp_path, tiny_prior):
    out = tmp_path / "bench"
    _bench(tmp_path, tiny_prior, out)
    data = json.loads((out / "results.json").read_text())
    assert data["spec"]["budget"] == 16 and data["command"].startswith("designer-app bench")
    # the stored specification reads back (benchmarks/collect.py rebuilds tables from it)
    from designer_app.bench import BenchSpec

    assert BenchSpec.from_json(data["spec"]).budget == 16 and data["spec"]["prior_defaults"] == {}
    runs = [RunResult.from_json(r) for r in data["runs"]]
    assert sorted((r.method, r.seed) for r in runs) == sorted(
        (m, s) for m in ("pretrained", "ga", "greedy") for s in (0, 1)
    )
    for run in runs:
        assert [r.index for r in run.rounds] == [1, 2]
        assert all(r.batch_size == 8 and "propose" in r.seconds for r in run.rounds)
        # per-round scores concatenated are the run's oracle-call sequence
        assert [v for r in run.rounds for v in r.scores] == run.values
        assert len(run.values) <= 16 and 0 <= run.unique_fraction <= 1
    # the summary rows are exactly the per-run metrics averaged
    rows = {row["method"]: row for row in data["summary"]}
    ga = [r for r in runs if r.method == "ga"]
    expected_auc = sum(metrics.top_k_auc(r.values, 16, 10) for r in ga) / 2
    assert rows["ga"]["top_k_auc"]["mean"] == pytest.approx(expected_auc)
    assert rows["ga"]["best"]["mean"] == pytest.approx(sum(max(v for v in r.values if v is not None) for r in ga) / 2)
    text = (out / "summary.md").read_text()
    assert "| method | runs | best | top-10 mean | top-10 AUC | last round | regret |" in text
    expected_last = sum(sum(run.rounds[-1].scores) / len(run.rounds[-1].scores) for run in ga) / 2  # qed never fails
    assert rows["ga"]["last_round_mean"]["mean"] == pytest.approx(expected_last)
    assert all(f"| {m} | 2 |" in text for m in ("pretrained", "ga", "greedy"))
    for png in ("best_so_far.png", "top10.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(list((out / "runs").glob("*.json"))) == 6
    # each run records the machine and library versions it ran on (fine-tuning replays bit for bit only
    # on the same kind of machine), and the summary says which machines made the table
    from importlib.metadata import version

    from designer_app.environment import short

    assert all(
        r.environment["torch"] == version("torch") and r.environment["cpu"] and r.environment["device"] for r in runs
    )
    assert f"Machines: {short(runs[0].environment)}: 6 runs." in text


def test_bench_resumes_and_refuses_other_settings(tmp_path, tiny_prior, capsys):
    out = tmp_path / "bench"
    _bench(tmp_path, tiny_prior, out, methods="pretrained")
    before = (out / "runs" / "pretrained-s0.json").read_text()
    capsys.readouterr()
    _bench(tmp_path, tiny_prior, out, methods="pretrained")
    assert "already done" in capsys.readouterr().out
    assert (out / "runs" / "pretrained-s0.json").read_text() == before
    argv = [
        "bench",
        "--oracle",
        "qed",
        "--prior",
        str(tiny_prior),
        "--methods",
        "pretrained",
        "--budget",
        "24",
        "--batch-size",
        "8",
        "--seeds",
        "1",
        "--out",
        str(out),
        *TINY_SETTINGS,
    ]
    assert main(argv) == 2
    assert "other settings" in capsys.readouterr().err


def test_bench_refuses_runs_of_another_prior_under_the_same_name(tmp_path, tiny_prior, capsys):
    """Retraining a prior in place must not let a rerun silently reuse the old prior's runs."""
    import shutil

    prior = tmp_path / "prior"
    shutil.copytree(tiny_prior, prior)
    out = tmp_path / "bench"
    _bench(tmp_path, prior, out, methods="pretrained")
    spec = json.loads((out / "spec.json").read_text())
    assert len(spec["prior_weights"]) == 64
    # the same prior folder, retrained: one weight byte differs
    weights = prior / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    capsys.readouterr()
    argv = [
        "bench",
        "--oracle",
        "qed",
        "--prior",
        str(prior),
        "--methods",
        "pretrained",
        "--budget",
        "16",
        "--batch-size",
        "8",
        "--seeds",
        "2",
        "--out",
        str(out),
        *TINY_SETTINGS,
    ]
    assert main(argv) == 2
    assert "another prior's weights" in capsys.readouterr().err
    # a folder from before the weights were recorded holds runs of an unknown prior version
    del spec["prior_weights"]
    (out / "spec.json").write_text(json.dumps(spec))
    assert main(argv) == 2
    assert "weights were not recorded" in capsys.readouterr().err
    assert len(list((out / "runs").glob("*.json"))) == 2  # nothing stored was removed


def test_bench_resumed_where_its_relative_prior_is_not_says_so(tmp_path, tiny_prior, monkeypatch, capsys):
    """Resuming from another folder, a relative --prior names nothing: that is what the error says, not
    "another prior's weights", which sent users looking for a retrained prior."""
    import shutil

    (tmp_path / "proj").mkdir(), (tmp_path / "other").mkdir()
    shutil.copytree(tiny_prior, tmp_path / "proj" / "prior")
    monkeypatch.chdir(tmp_path / "proj")
    _bench(tmp_path, "./prior", tmp_path / "bench", methods="pretrained")
    monkeypatch.chdir(tmp_path / "other")
    capsys.readouterr()
    argv = [
        "bench",
        "--oracle",
        "qed",
        "--prior",
        "./prior",
        "--methods",
        "pretrained",
        "--budget",
        "16",
        "--batch-size",
        "8",
        "--seeds",
        "2",
        "--out",
        str(tmp_path / "bench"),
        *TINY_SETTINGS,
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "prior './prior' not found" in err and str(tmp_path / "other" / "prior") in err
    assert "another prior" not in err


def test_weights_fingerprint_covers_weights_only(tmp_path, tiny_prior):
    import shutil

    from designer_app.models.priors import weights_fingerprint

    prior = tmp_path / "prior"
    shutil.copytree(tiny_prior, prior)
    before = weights_fingerprint(prior)
    # a training work folder and the card do not change which weights a campaign loads
    (prior / "work").mkdir()
    (prior / "work" / "checkpoint.safetensors").write_bytes(b"x")
    (prior / "CARD.md").write_text("notes")
    assert weights_fingerprint(prior) == before
    (prior / "extra.safetensors").write_bytes(b"y")
    assert weights_fingerprint(prior) != before
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no weight files"):
        weights_fingerprint(tmp_path / "empty")


def test_spec_validation_says_what_to_change():
    with pytest.raises(ConfigError, match="multiple of the batch size"):
        BenchSpec("molecules", "qed", ("greedy",), budget=20, batch_size=8, seeds=(0,))
    with pytest.raises(ConfigError, match="unknown method"):
        BenchSpec("molecules", "qed", ("nope",), budget=16, batch_size=8, seeds=(0,))
    assert parse_seeds("3") == (0, 1, 2) and parse_seeds("4,7") == (4, 7) and parse_seeds("5,") == (5,)
    for bad in ("x", "0", "1,1", "-1,"):
        with pytest.raises(ConfigError, match="--seeds"):
            parse_seeds(bad)


def test_runs_made_before_machines_were_recorded_read_back_and_are_counted_apart():
    from dataclasses import asdict

    from designer_app.bench_report import machines_line

    old = RunResult(
        method="greedy",
        seed=0,
        budget=4,
        optimum=None,
        values=[0.1],
        rounds=[],
        unique_fraction=1.0,
        infeasible_fraction=0.0,
        wall_seconds=1.0,
    )
    stored = asdict(old)
    del stored["environment"]  # a runs/*.json file written before the field existed
    assert RunResult.from_json(stored).environment is None
    machine = {"cpu": "Some CPU", "cpu_capability": "AVX2", "device": "cpu", "torch": "2.13.0"}
    runs = [
        RunResult.from_json(stored),
        *[RunResult(**{**asdict(old), "seed": s, "environment": machine}) for s in (1, 2)],
    ]
    assert machines_line(runs) == "Machines: Some CPU (AVX2), cpu, torch 2.13.0: 2 runs; not recorded: 1 run."


def test_summary_mean_and_sd_by_hand():
    def run(method, seed, values):
        return RunResult(
            method,
            seed,
            budget=4,
            optimum=1.0,
            values=values,
            rounds=[],
            unique_fraction=1.0,
            infeasible_fraction=0.0,
            wall_seconds=1.0,
        )

    runs = [run("a", 0, [0.2, 0.6]), run("a", 1, [0.4, None, 0.8])]
    (row,) = summarise(runs, ["a"], k=1)
    assert row.best.mean == pytest.approx(0.7) and row.best.sd == pytest.approx(0.1414213, rel=1e-5)
    assert row.regret.mean == pytest.approx(0.3)
    # k=1, budget 4: run 0 curve 0.2, 0.6 then flat: trapezoids (0+0.2)/2 + (0.2+0.6)/2 + 0.6 + 0.6
    assert run_metrics(runs[0], k=1).top_k_auc == pytest.approx((0.1 + 0.4 + 0.6 + 0.6) / 4)
    assert row.last_round_mean is None  # these runs carry no rounds


def test_last_round_mean_reads_only_the_last_batch_and_skips_failures():
    from designer_app.bench import RoundResult
    from designer_app.bench_report import markdown_table

    def rnd(index, scores):
        return RoundResult(index, len(scores), scores, {"propose": 1.0}, 1.0, 0.0, None, None)

    def run(method, seed, rounds):
        values = [v for r in rounds for v in r.scores]
        return RunResult(
            method,
            seed,
            budget=len(values),
            optimum=None,
            values=values,
            rounds=rounds,
            unique_fraction=1.0,
            infeasible_fraction=0.0,
            wall_seconds=1.0,
        )

    runs = [
        run("a", 0, [rnd(1, [0.9, 0.1]), rnd(2, [0.2, None, 0.4])]),
        run("a", 1, [rnd(1, [0.0]), rnd(2, [0.5])]),
        run("b", 0, [rnd(1, [0.9]), rnd(2, [0.1])]),
    ]
    assert run_metrics(runs[0]).last_round_mean == pytest.approx(0.3)  # (0.2 + 0.4) / 2; the failure is skipped
    a, b = summarise(runs, ["a", "b"])
    assert a.last_round_mean.mean == pytest.approx(0.4) and b.last_round_mean.mean == pytest.approx(0.1)
    table = markdown_table([a, b])
    assert "| a | 2 |" in table and "**0.400 ± 0.141**" in table  # the best last round is bold


def test_an_interrupted_bench_with_kept_campaigns_resumes_the_half_run_campaign(tmp_path, tiny_prior):
    """A kept campaign left half-run by an interrupted bench is resumed, and its scores are the ones an
    uninterrupted run gives; a kept campaign with other settings is refused."""
    from designer_app import campaigns
    from designer_app.bench import _resumable

    spec = BenchSpec(
        domain="molecules",
        oracle="qed",
        methods=("greedy",),
        budget=16,
        batch_size=8,
        seeds=(0,),
        prior=str(tiny_prior),
        overrides=_tiny_overrides(),
    )
    whole = RunResult.from_json(json.loads(_run(spec, tmp_path / "whole").read_text()))
    out = tmp_path / "interrupted"
    cfg = spec.config("greedy", 0)
    campaigns.create(cfg, out)
    for _ in campaigns.run(cfg.name, out, max_rounds=1):  # killed after its first round
        pass
    resumed = RunResult.from_json(json.loads(_run(spec, out).read_text()))
    assert resumed.values == whole.values and len(resumed.rounds) == 2
    other = BenchSpec(**{**spec.__dict__, "overrides": {**spec.overrides, "beta": 2.0}})
    with pytest.raises(ConfigError, match="other settings"):
        _resumable(other.config("greedy", 0), out)


def _tiny_overrides() -> dict:
    from designer_app.cli import _parse_set

    return _parse_set([s for s in TINY_SETTINGS if s != "--set"])


def _run(spec, out):
    from designer_app.bench import run_bench

    list(run_bench(spec, out, keep_campaigns=True, log=lambda text: None))
    return out / "runs" / "greedy-s0.json"


def test_batch_spearman_column_averages_the_rounds_that_have_one():
    from designer_app.bench import RoundResult
    from designer_app.bench_report import markdown_table

    def rnd(index, rho):
        return RoundResult(index, 2, [0.1, 0.2], {"propose": 1.0}, 1.0, 0.0, None, None, prediction_spearman=rho)

    def run(seed, rhos):
        rounds = [rnd(i + 1, r) for i, r in enumerate(rhos)]
        values = [v for r in rounds for v in r.scores]
        return RunResult("a", seed, len(values), None, values, rounds, 1.0, 0.0, 1.0)

    runs = [run(0, [None, 0.2, 0.6]), run(1, [None, 0.0, 0.2])]
    assert run_metrics(runs[0]).batch_spearman == pytest.approx(0.4)  # round 1 had no reward model
    (row,) = summarise(runs, ["a"])
    assert row.batch_spearman.mean == pytest.approx((0.4 + 0.1) / 2)
    assert "| batch Spearman |" in markdown_table([row])
    # runs recorded before the figure existed leave the column out (their tables regenerate unchanged)
    old = RunResult(
        "a", 0, 2, None, [0.1, 0.2], [RoundResult(1, 2, [0.1, 0.2], {}, 1.0, 0.0, None, None)], 1.0, 0.0, 1.0
    )
    assert "Spearman" not in markdown_table(summarise([old], ["a"]))
