"""The wizard applies a prior's recommended settings exactly as `designer-app new` does."""

from __future__ import annotations

import json
import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from designer_app.campaigns import prior_campaign_defaults
from designer_app.cli import main
from designer_app.config import CampaignConfig
from designer_app.gui.recommended import describe
from designer_app.store import CampaignStore, campaign_dir

from .gui_helpers import wait_snapshot

DEFAULTS = CampaignConfig(name="x")


def stored(home, name: str) -> dict:
    """A campaign's stored configuration without its name, to compare two campaigns."""
    store = CampaignStore.open(campaign_dir(name, home))
    try:
        data = dict(store.config())
    finally:
        store.close()
    data.pop("name")
    return data


def choose_prior(wizard, prior: str) -> None:
    page = wizard.prior_page
    if "/" in prior:
        page.folder_edit.setText(prior)
        page.folder.setChecked(True)
        return
    names = [page.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(page.list.count())]
    page.list.setCurrentRow(names.index(prior))
    page.shipped.setChecked(True)


def to_method_page(wizard, domain: str, prior: str, oracle: str) -> None:
    wizard.domain_page.set_domain(domain)
    wizard.next()
    assert wizard.currentPage() is wizard.prior_page
    choose_prior(wizard, prior)
    wizard.next()
    assert wizard.currentPage() is wizard.oracle_page
    wizard.oracle_page.builtin.setCurrentText(oracle)
    wizard.next()
    assert wizard.currentPage() is wizard.method_page, wizard.oracle_page.error.text()


def finish(wizard, qtbot, window, name: str) -> None:
    wizard.next()
    wizard.name_page.name.setText(name)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.created_folder is not None, wizard.name_page.error.text()
    wait_snapshot(qtbot, window)  # the window opened it; let its read end before the test does


def type_into(qtbot, spin, text: str) -> None:
    """Type a number into a spin box as a user does (in the spin box's locale)."""
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), text.replace(".", spin.locale().decimalPoint()))
    spin.interpretText()


@pytest.mark.parametrize(
    "domain, prior, oracle",
    [
        ("images", "images-digits", "brightness"),
        ("protein", "protein-ehrlich", "ehrlich"),
    ],
)
def test_wizard_makes_the_campaign_designer_app_new_makes(window, qtbot, home, domain, prior, oracle):
    recommended = prior_campaign_defaults(prior, domain)
    assert "alpha" in recommended  # the shipped prior recommends settings; otherwise this tests nothing
    wizard = window.new_campaign()
    to_method_page(wizard, domain, prior, oracle)
    assert describe(recommended) in wizard.prior_page.recommendation.text()
    page = wizard.method_page
    assert page.alpha.value() == pytest.approx(recommended["alpha"])  # prefilled
    assert page.note.isVisible()
    assert page.note.text() == f"Recommended by the prior {prior}: {describe(recommended)}."
    page.rounds.setValue(2)
    page.batch_size.setValue(4)
    finish(wizard, qtbot, window, "from-wizard")
    args = [
        "--home",
        str(home),
        "new",
        "from-cli",
        "--domain",
        domain,
        "--prior",
        prior,
        "--oracle",
        oracle,
        "--rounds",
        "2",
        "--batch-size",
        "4",
    ]
    assert main(args) == 0
    assert stored(home, "from-wizard") == stored(home, "from-cli")
    cfg = window.session.config
    assert cfg.alpha == recommended["alpha"]
    for section in ("finetune", "reward"):  # no widget, still in the config (protein: convolutional heads)
        for key, value in recommended.get(section, {}).items():
            assert getattr(getattr(cfg, section), key) == value


def test_what_the_user_typed_wins(window, qtbot, home):
    wizard = window.new_campaign()
    to_method_page(wizard, "images", "images-digits", "brightness")
    page = wizard.method_page
    assert "fine-tune steps 20" in page.note.text() and "fine-tune batch size 16" in page.note.text()
    type_into(qtbot, page.alpha, "0.05")
    assert page.alpha.value() == pytest.approx(0.05) and "Your α is kept." in page.note.text()
    page.advanced.setPlainText("finetune.steps=5")
    wizard.back()
    wizard.back()  # to the prior page and forward again: the method page is filled in anew
    wizard.next()
    wizard.oracle_page.builtin.setCurrentText("brightness")
    wizard.next()
    assert wizard.currentPage() is page and page.alpha.value() == pytest.approx(0.05)
    page.rounds.setValue(2)
    page.batch_size.setValue(4)
    finish(wizard, qtbot, window, "typed")
    args = [
        "--home",
        str(home),
        "new",
        "typed-cli",
        "--domain",
        "images",
        "--prior",
        "images-digits",
        "--oracle",
        "brightness",
        "--rounds",
        "2",
        "--batch-size",
        "4",
        "--alpha",
        "0.05",
        "--set",
        "finetune.steps=5",
    ]
    assert main(args) == 0
    assert stored(home, "typed") == stored(home, "typed-cli")
    cfg = window.session.config
    # the typed α and the advanced line win; the recommendation fills in the rest of the section
    assert (cfg.alpha, cfg.finetune.steps, cfg.finetune.batch_size) == (0.05, 5, 16)


def test_changing_the_prior_refills_the_fields_the_user_left_alone(window, tiny_prior, tmp_path):
    folder = tmp_path / "recommending"
    shutil.copytree(tiny_prior, folder)
    config = json.loads((folder / "config.json").read_text())
    config["campaign_defaults"] = {"alpha": 0.0007, "beta": 2.5, "finetune": {"steps": 7}}
    (folder / "config.json").write_text(json.dumps(config))

    wizard = window.new_campaign()
    to_method_page(wizard, "molecules", str(folder), "qed")
    page = wizard.method_page
    assert (page.alpha.value(), page.beta.value()) == (pytest.approx(0.0007), 2.5)
    assert "recommended by the prior recommending" in page.alpha.toolTip()
    page.beta.setValue(1.5)  # the user's decision
    cfg = wizard.config_for("x")
    assert (cfg.alpha, cfg.beta, cfg.finetune.steps) == (0.0007, 1.5, 7)

    wizard.back()
    wizard.back()
    wizard.prior_page.folder_edit.clear()
    choose_prior(wizard, "molecules-moses")  # recommends nothing
    assert wizard.prior_page.recommendation.text() == ""
    wizard.next()
    wizard.oracle_page.builtin.setCurrentText("qed")
    wizard.next()
    assert wizard.currentPage() is page
    assert page.alpha.value() == pytest.approx(DEFAULTS.alpha) and page.beta.value() == 1.5
    assert not page.note.isVisible() and page.alpha.toolTip() == ""
    cfg = wizard.config_for("x")
    assert (cfg.alpha, cfg.beta, cfg.finetune.steps) == (DEFAULTS.alpha, 1.5, DEFAULTS.finetune.steps)
    wizard.reject()
