"""`designer-app pretrain molecules` end to end on a tiny data file with tiny models."""

import json

import torch
from conftest import SMILES

from designer_app.models.molecules.prior import MoleculePrior
from designer_app.pretraining import molecules as pm
from designer_app.pretraining.molecules import ae_learning_rate


def tiny_setup(tmp_path, ae_steps: int):
    """A SMILES file and a pretraining configuration with tiny models and budgets."""
    data = tmp_path / "smiles.csv"
    data.write_text("SMILES\n" + "\n".join(SMILES * 3) + "\n")
    cfg = pm.MoleculePretrainConfig(
        n_train=60,
        n_with_props=40,
        max_len=24,
        batch_size=16,
        ae_minutes=5,
        ae_steps=ae_steps,
        diffusion_minutes=0.02,
        encoder_hidden=8,
        decoder_hidden=16,
        latent_dim=8,
        denoiser_hidden=16,
        denoiser_blocks=1,
        calibration_pairs=40,
        calibration_steps=3,
    )
    return data, cfg


def test_tiny_pretrain_runs_all_phases_and_resumes(tmp_path):
    data, cfg = tiny_setup(tmp_path, ae_steps=6)
    out = tmp_path / "prior"
    phases = [p["phase"] for p in pm.run(data, out, cfg)]
    assert phases[0] == "data" and "autoencoder" in phases and "diffusion" in phases and "export" in phases
    state = json.loads((out / "work" / "state.json").read_text())
    assert state["ae_step"] == 6 and "featuriser" in state
    prior = MoleculePrior.load(out)
    assert len(prior.decode(torch.zeros(3, 8))) == 3
    # a second run resumes: no phase trains again
    again = [p["phase"] for p in pm.run(data, out, cfg)]
    assert again == ["data", "export"]
    assert json.loads((out / "work" / "state.json").read_text())["ae_step"] == 6


def test_autoencoder_learning_rate_schedule():
    assert ae_learning_rate(1e-3, 0.0) == ae_learning_rate(1e-3, 0.59) == 1e-3
    assert ae_learning_rate(1e-3, 1.0) == 1e-4
    assert 1e-4 < ae_learning_rate(1e-3, 0.8) < 1e-3


def test_decoder_smoothing_trains_only_the_decoder_and_recalibrates(tmp_path):
    from dataclasses import replace

    from safetensors.torch import load_file

    data, cfg = tiny_setup(tmp_path, ae_steps=4)
    out = tmp_path / "prior"
    list(pm.run(data, out, cfg))  # an existing prior, calibrated with the unsmoothed decoder
    smoothing = replace(cfg, decoder_smoothing_minutes=0.01, checkpoint_minutes=0.001)
    phases = [p["phase"] for p in pm.run(data, out, smoothing)]
    assert "decoder-smoothing" in phases and "featuriser" in phases  # calibrated again on the new decoder
    assert "autoencoder" not in phases and "diffusion" not in phases
    work = out / "work"
    state = json.loads((work / "state.json").read_text())
    assert state["smooth_step"] > 0 and state["featuriser"]["decoder_smoothing_steps"] == state["smooth_step"]
    before, after = load_file(work / "ae.safetensors"), MoleculePrior.load(out).autoencoder.state_dict()
    for name, tensor in before.items():
        same = torch.equal(tensor, after[name])
        if name.startswith(("embed", "encoder", "to_stats")):
            assert same, f"{name} changed: the latent space must stay as the diffusion model learned it"
    assert not all(torch.equal(before[n], after[n]) for n in before if n.startswith("decoder."))
    # resumed with the budget spent: nothing trains again
    assert [p["phase"] for p in pm.run(data, out, smoothing)] == ["data", "export"]


def test_changing_the_decoder_noise_restarts_smoothing_and_recalibration(tmp_path):
    from dataclasses import replace

    data, cfg = tiny_setup(tmp_path, ae_steps=4)
    out = tmp_path / "prior"
    first = replace(cfg, decoder_smoothing_minutes=0.01, checkpoint_minutes=0.001, decoder_noise=0.5)
    list(pm.run(data, out, first))
    work = out / "work"
    state = json.loads((work / "state.json").read_text())
    assert state["smooth_noise"] == 0.5 and state["smooth_step"] > 0
    # the same noise resumes (nothing left to train); another noise discards that run and trains again
    assert [p["phase"] for p in pm.run(data, out, first)] == ["data", "export"]
    phases = [p["phase"] for p in pm.run(data, out, replace(first, decoder_noise=1.0))]
    assert "decoder-smoothing" in phases and "featuriser" in phases
    assert "autoencoder" not in phases and "diffusion" not in phases
    state = json.loads((work / "state.json").read_text())
    assert state["smooth_noise"] == 1.0 and state["featuriser"]["decoder_smoothing_steps"] == state["smooth_step"]


def test_pretrain_cli_passes_the_decoder_noise(monkeypatch, tmp_path):
    from designer_app import cli

    seen = []

    def fake_pretrain(request):
        seen.append(request)
        yield {"phase": "done"}

    monkeypatch.setattr(pm, "pretrain", fake_pretrain)
    argv = ["pretrain", "molecules", "--out", str(tmp_path / "p")]
    assert cli.main([*argv, "--decoder-noise", "1.5", "--kl-weight", "0.5"]) == 0
    assert seen[0].decoder_noise == 1.5 and seen[0].kl_weight == 0.5
    cli.main(argv)
    assert seen[1].decoder_noise is None and seen[1].kl_weight is None  # the trainer's defaults apply


def test_a_resumed_autoencoder_keeps_its_kl_weight(tmp_path):
    from dataclasses import replace

    import pytest

    data, cfg = tiny_setup(tmp_path, ae_steps=4)
    out = tmp_path / "prior"
    list(pm.run(data, out, replace(cfg, kl_weight=0.2)))
    assert json.loads((out / "work" / "state.json").read_text())["ae_kl_weight"] == 0.2
    more = replace(cfg, ae_steps=8)
    with pytest.raises(ValueError, match="--kl-weight 0.2"):
        list(pm.run(data, out, more))  # the default 0.5 would mix two objectives in one autoencoder
    assert json.loads((out / "work" / "state.json").read_text())["ae_step"] == 4
    list(pm.run(data, out, replace(more, kl_weight=0.2)))
    assert json.loads((out / "work" / "state.json").read_text())["ae_step"] == 8
    # a work folder from before the weight was recorded was trained with 0.05
    state_file = out / "work" / "state.json"
    state = json.loads(state_file.read_text())
    del state["ae_kl_weight"]
    state_file.write_text(json.dumps(state))
    with pytest.raises(ValueError, match="--kl-weight 0.05"):
        list(pm.run(data, out, replace(cfg, ae_steps=12)))


def test_card_measures_the_reward_model_on_held_out_and_sampled_molecules(tmp_path):
    import gzip
    import zipfile

    from designer_app.pretraining.molecule_card import write_card

    data, cfg = tiny_setup(tmp_path, ae_steps=4)
    out = tmp_path / "prior"
    list(pm.run(data, out, cfg))
    wheel = tmp_path / "molsets-0.3.1-py3-none-any.whl"  # the layout of the molsets wheel's test split
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("moses/dataset/data/test.csv.gz", gzip.compress(("SMILES\n" + "\n".join(SMILES * 2)).encode()))
    report = write_card(
        out, wheel, command="designer-app pretrain molecules --out X", n_samples=32, labels=(6,), n_test=8
    )
    acc = report["reward_accuracy"]
    assert set(acc) == {"heldout", "sampled"} and set(acc["sampled"]) == {"qed", "sa"}
    assert set(acc["heldout"]["qed"]) == {"6"}
    card = (out / "CARD.md").read_text()
    assert (
        "| sampled | qed | 6 |" in card and "| heldout | sa | 6 |" in card and "(8 test molecules of each kind)" in card
    )
