"""Image campaigns end to end through the CLI: the shipped-style pixel prior, a user's diffusers folder with
LoRA, the manual (lab) path, and PNG export. Tiny models, few denoising steps."""

import csv
import json

import pytest
import torch
from conftest import TINY_SETTINGS
from diffusers import DDPMPipeline, DDPMScheduler, UNet2DModel
from PIL import Image

from designer_app.cli import main
from designer_app.models.images import prior as ip
from designer_app.models.images.featuriser import FeaturiserConfig
from designer_app.pretraining import images as pi
from designer_app.store import CampaignStore, campaign_dir

TINY = pi.ImagePretrainConfig(
    size=8, block_out_channels=(8, 16), featuriser=FeaturiserConfig(size=8, channels=(4, 8, 8), hidden=8)
)
SETTINGS = [s.replace("sample_steps=6", "sample_steps=4") for s in TINY_SETTINGS]


@pytest.fixture(scope="module")
def image_prior(tmp_path_factory):
    return pi.init_prior(TINY).save(tmp_path_factory.mktemp("img") / "tiny-images")


def new(home, name, prior, oracle="brightness", rounds="2", batch="6", *extra):
    assert (
        main(
            [
                "--home",
                str(home),
                "new",
                name,
                "--domain",
                "images",
                "--oracle",
                oracle,
                "--prior",
                str(prior),
                "--rounds",
                rounds,
                "--batch-size",
                batch,
                *SETTINGS,
                *extra,
            ]
        )
        == 0
    )


def status(home, name, capsys):
    capsys.readouterr()
    assert main(["--home", str(home), "status", name, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_seiko_campaign_writes_png_items_and_exports_them(tmp_path, image_prior, capsys):
    new(tmp_path, "img", image_prior)
    assert main(["--home", str(tmp_path), "run", "img"]) == 0
    data = status(tmp_path, "img", capsys)
    assert data["state"] == "finished" and data["domain"] == "images" and data["oracle_calls"] > 0
    assert [r["status"] for r in data["rounds"]] == ["done", "done"]
    folder = campaign_dir("img", tmp_path)
    with CampaignStore.open(folder) as store:
        cands = store.candidates()
        kinds = sorted(c.kind for c in store.checkpoints())
    assert all(c.item.startswith(str(folder / "items")) and c.item.endswith(".png") for c in cands)
    assert all(0 <= c.score <= 1 for c in cands if c.score is not None)
    assert "denoiser" in kinds and "reward" in kinds  # round 1 fine-tuned the UNet

    out = tmp_path / "export"
    assert main(["--home", str(tmp_path), "export", "img", str(out), "--format", "png"]) == 0
    pngs = sorted(p.name for p in out.glob("id*_round*_score*.png"))
    assert len(pngs) == len([c for c in cands if c.item])
    sheet = Image.open(out / "contact_sheet.png")
    assert sheet.size[0] >= 64 * 3  # a grid of 64-pixel tiles
    rows = list(csv.DictReader((out / "candidates.csv").open()))
    assert {r["file"] for r in rows} == set(pngs)
    top = tmp_path / "top"
    assert main(["--home", str(tmp_path), "export", "img", str(top), "--format", "png", "--top", "2"]) == 0
    best = max(c.score for c in cands if c.score is not None)
    assert len(list(top.glob("id*.png"))) == 2 and any(f"score{best:.4g}" in p.name for p in top.glob("id*.png"))
    csv_out = tmp_path / "all.csv"
    assert main(["--home", str(tmp_path), "export", "img", str(csv_out)]) == 0
    assert main(["--home", str(tmp_path), "export", "img", str(tmp_path / "x.sdf"), "--format", "sdf"]) == 2
    assert main(["--home", str(tmp_path), "export", "img", str(tmp_path / "sheet.png")]) == 2  # a folder is needed
    assert not (tmp_path / "sheet.png").exists()


def rate_exported_batch(home, name, keep_items: bool) -> None:
    """Export round 1 as CSV, give every pending image a rating, import it back."""
    batch = home / f"{name}.csv"
    assert main(["--home", str(home), "export", name, str(batch), "--round", "1"]) == 0
    rows = list(csv.DictReader(batch.open()))
    for i, row in enumerate(rows):  # the user looks at each PNG and types a rating
        assert Image.open(row["item"]).size == (8, 8)
        row["score"] = "" if row["status"] != "pending" else str(i % 5)
    fields = list(rows[0]) if keep_items else ["id", "score", "status"]
    with batch.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    assert main(["--home", str(home), "import-scores", name, str(batch)]) == 0


def test_manual_rating_of_images(tmp_path, image_prior, capsys):
    new(tmp_path, "rate", image_prior, "manual")
    assert main(["--home", str(tmp_path), "run", "rate"]) == 0
    assert status(tmp_path, "rate", capsys)["state"] == "awaiting_scores"
    rate_exported_batch(tmp_path, "rate", keep_items=False)
    assert main(["--home", str(tmp_path), "run", "rate"]) == 0
    assert [r["status"] for r in status(tmp_path, "rate", capsys)["rounds"]] == ["done", "awaiting_scores"]


def test_manual_rating_with_the_item_column_kept(tmp_path, image_prior, capsys):
    # the loop stores the PNG path as key, import-scores compares pixel keys: the exported file must still match
    new(tmp_path, "rate2", image_prior, "manual", "1")
    assert main(["--home", str(tmp_path), "run", "rate2"]) == 0
    rate_exported_batch(tmp_path, "rate2", keep_items=True)
    assert status(tmp_path, "rate2", capsys)["rounds"][0]["n_scored"] > 0


def test_user_diffusers_folder_with_lora(tmp_path, image_prior, capsys, monkeypatch):
    torch.manual_seed(0)
    unet = UNet2DModel(
        sample_size=8,
        in_channels=3,
        out_channels=3,
        layers_per_block=1,
        block_out_channels=(16, 32),
        down_block_types=("DownBlock2D", "AttnDownBlock2D"),
        up_block_types=("AttnUpBlock2D", "UpBlock2D"),
        norm_num_groups=8,
        attention_head_dim=8,
    )
    folder = tmp_path / "my-pipeline"
    DDPMPipeline(unet=unet, scheduler=DDPMScheduler(num_train_timesteps=1000)).save_pretrained(folder)
    monkeypatch.setattr(ip, "FEATURISER_SOURCE", image_prior)  # stands in for the shipped featuriser
    monkeypatch.setenv(ip.LORA_ENV, "always")  # force LoRA on a UNet below the size threshold
    new(tmp_path, "mine", folder, "jpeg-compressibility")
    assert main(["--home", str(tmp_path), "run", "mine"]) == 0
    assert status(tmp_path, "mine", capsys)["state"] == "finished"
    home = campaign_dir("mine", tmp_path)
    with CampaignStore.open(home) as store:
        ckpts = [c for c in store.checkpoints() if c.kind == "denoiser"]
        path = store.checkpoint_path(ckpts[-1])
        items = [c.item for c in store.candidates() if c.item]
    assert Image.open(items[0]).mode == "RGB" and Image.open(items[0]).size == (8, 8)
    adapter = ip.load_tensors(path)
    full = sum(p.numel() for p in unet.parameters())
    assert adapter and all("lora_" in k for k in adapter)
    assert sum(v.numel() for v in adapter.values()) < 0.5 * full  # adapter-sized, not a UNet copy
    prior = ip.ImagePrior.load(folder)
    model = prior.load_denoiser(str(path), torch.device("cpu"))
    state = model.state_dict()
    assert all(torch.equal(state[k], v) for k, v in adapter.items())  # loads back exactly
    x = torch.randn(1, 3, 8, 8)
    assert not torch.equal(model(x, 100), prior.denoiser(x, 100))  # and the adapters did change the model
