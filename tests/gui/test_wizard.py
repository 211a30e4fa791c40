"""The new-campaign wizard, driven through its real pages."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard

from designer_app.config import TOP_UP_PASSES, ConfigError
from designer_app.gui.wizard import build_config, functions_in, parse_overrides

from .gui_helpers import TINY_LINES, make_campaign, wait_snapshot


def fill_to_method_page(wizard, prior) -> None:
    assert wizard.currentPage() is wizard.domain_page
    wizard.next()
    assert wizard.currentPage() is wizard.prior_page
    wizard.prior_page.folder_edit.setText(str(prior))
    wizard.prior_page.folder.setChecked(True)
    wizard.next()
    assert wizard.currentPage() is wizard.oracle_page
    wizard.oracle_page.builtin.setCurrentText("qed")
    wizard.next()
    assert wizard.currentPage() is wizard.method_page


def test_wizard_creates_and_opens_a_campaign(window, qtbot, tiny_prior, home):
    wizard = window.new_campaign()
    fill_to_method_page(wizard, tiny_prior)
    page = wizard.method_page
    page.method.setCurrentText("seiko-bootstrap")
    page.rounds.setValue(3)
    page.batch_size.setValue(8)
    page.alpha.setValue(0.05)
    page.beta.setValue(2.0)
    page.seed.setValue(7)
    assert page.top_up.isChecked()  # on by default: every call buys a new design
    page.top_up.setChecked(True)
    assert not page.exploit_last.isChecked() and page.exploit_last.isEnabled()
    page.exploit_last.setChecked(True)
    page.method.setCurrentText("greedy")  # greedy never explores: the box does not apply
    assert not page.exploit_last.isEnabled()
    page.method.setCurrentText("seiko-bootstrap")
    assert page.exploit_last.isEnabled() and page.exploit_last.isChecked()
    page.advanced.setPlainText(TINY_LINES)
    assert "24 oracle calls" in page.budget.text()
    wizard.next()
    assert wizard.currentPage() is wizard.name_page
    wizard.name_page.name.setText("from-wizard")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.created_folder == home / "campaigns" / "from-wizard"
    assert window.session.is_open and window.session.name == "from-wizard"
    cfg = window.session.config
    assert (cfg.method, cfg.rounds, cfg.batch_size, cfg.alpha, cfg.beta, cfg.seed) == (
        "seiko-bootstrap",
        3,
        8,
        0.05,
        2.0,
        7,
    )
    assert cfg.finetune.steps == 3 and cfg.reward.n_heads == 3 and cfg.oracle == "qed"
    assert cfg.top_up == TOP_UP_PASSES  # the "replace repeats" box
    assert cfg.exploit_last  # the "last batch: best guesses" box
    snap = wait_snapshot(qtbot, window)
    assert snap.state == "new" and "from-wizard" in window.windowTitle()
    assert "seiko-bootstrap" in window.campaign_panel.summary.text()
    assert "repeats replaced by new designs" in window.campaign_panel.summary.text()
    assert "the last batch exploits the mean" in window.campaign_panel.summary.text()


def test_prior_page_rejects_a_folder_without_a_prior(window, tmp_path):
    wizard = window.new_campaign()
    wizard.next()
    wizard.prior_page.folder_edit.setText(str(tmp_path))
    wizard.prior_page.folder.setChecked(True)
    wizard.next()
    assert wizard.currentPage() is wizard.prior_page
    assert "not found" in wizard.prior_page.error.text()


def test_oracle_page_shows_spec_errors_inline(window, tiny_prior, tmp_path):
    wizard = window.new_campaign()
    wizard.next()
    wizard.prior_page.folder_edit.setText(str(tiny_prior))
    wizard.prior_page.folder.setChecked(True)
    wizard.next()
    page = wizard.oracle_page
    script = tmp_path / "my_oracle.py"
    script.write_text("def score(items):\n    return [1.0 for _ in items]\n\ndef _helper():\n    pass\n")
    page.radios["python"].setChecked(True)
    page.python_file.setText(str(script))
    assert [page.python_function.itemText(i) for i in range(page.python_function.count())] == ["score"]
    page.python_function.setEditText("missing")
    wizard.next()
    assert wizard.currentPage() is page and "missing" in page.error.text()
    page.python_function.setEditText("score")
    page.optimum.setText("abc")
    wizard.next()
    assert wizard.currentPage() is page and "not a number" in page.error.text()
    page.optimum.setText("1.0")
    wizard.next()
    assert wizard.currentPage() is wizard.method_page
    assert wizard.config_for("x").oracle == f"python:{script}:score" and wizard.config_for("x").optimum == 1.0


def test_method_and_name_pages_validate_before_anything_runs(window, tiny_prior, home):
    make_campaign(home, tiny_prior, "taken")
    wizard = window.new_campaign()
    fill_to_method_page(wizard, tiny_prior)
    wizard.method_page.method.setCurrentText("non-adaptive")
    wizard.method_page.rounds.setValue(1)
    wizard.next()
    assert wizard.currentPage() is wizard.method_page
    assert "non-adaptive needs at least 2 rounds" in wizard.method_page.error.text()
    wizard.method_page.rounds.setValue(2)
    wizard.method_page.advanced.setPlainText("finetune.stepz=3")
    wizard.next()
    assert "stepz" in wizard.method_page.error.text()
    wizard.method_page.advanced.setPlainText(TINY_LINES)
    wizard.next()
    wizard.name_page.name.setText("taken")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert "already exists" in wizard.name_page.error.text()
    wizard.name_page.name.setText("bad name!")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert "campaign name" in wizard.name_page.error.text()
    assert not window.session.is_open
    assert sorted(p.name for p in (home / "campaigns").iterdir()) == ["taken"]  # nothing else was created


def test_manual_oracle_choice(window, tiny_prior):
    wizard = window.new_campaign()
    fill_to_method_page(wizard, tiny_prior)
    wizard.back()
    wizard.oracle_page.radios["manual"].setChecked(True)
    wizard.next()
    assert wizard.config_for("m").oracle == "manual"


def test_parse_overrides_and_build_config(tiny_prior):
    assert parse_overrides("finetune.steps=3\n# comment\n\nbeta=0.5\nbonus=ensemble-std") == {
        "finetune": {"steps": 3},
        "beta": 0.5,
        "bonus": "ensemble-std",
    }
    cfg = build_config({"name": "a", "prior": str(tiny_prior)}, parse_overrides("reward.epochs=5"))
    assert cfg.reward.epochs == 5
    for bad in ("steps", "rounds=abc"):
        try:
            build_config({"name": "a"}, parse_overrides(bad))
        except ConfigError as exc:
            assert str(exc)
        else:
            raise AssertionError(f"{bad!r} was accepted")


def test_functions_in_reads_without_running(tmp_path):
    f = tmp_path / "o.py"
    f.write_text("raise SystemExit('must not run')\ndef a(items): ...\nasync def b(items): ...\n")
    assert functions_in(str(f)) == ["a", "b"]
    assert functions_in(str(tmp_path / "none.py")) == []


def test_parse_overrides_names_the_line_of_a_bad_setting():
    assert parse_overrides("# header\n\n beta = 0.5 \noracle = qed") == {"beta": 0.5, "oracle": "qed"}
    with pytest.raises(ConfigError) as exc:
        parse_overrides("# header\n\nbeta=0.5\n  steps  \n")
    assert str(exc.value) == "advanced setting on line 4 ('steps'): write KEY=VALUE, e.g. finetune.steps=20"
