"""New-campaign wizard: domain → prior → oracle → method and budget → name.

Each page validates with the engine's own checks (resolve_prior, parse_oracle, CampaignConfig) when
Next is pressed and shows the message inline, so nothing runs before the configuration is sound. The
last page creates the campaign (campaigns.create) and the window opens it. Domains, the priors of the
chosen domain and its oracles come from the engine's registries (catalog.py), never from a list here.
The chosen prior's recommended settings apply as `designer-app new` applies them (recommended.py), so
the wizard and the CLI create the same campaign from the same inputs.
"""

from __future__ import annotations

import ast
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from designer_app import campaigns, config
from designer_app.config import SCHEDULES, TOP_UP_PASSES, CampaignConfig, ConfigError
from designer_app.core.methods import get_method, method_names
from designer_app.gui import catalog
from designer_app.gui.recommended import RecommendedFields, describe, recommended_for
from designer_app.models.priors import resolve_prior  # json and paths only: no torch
from designer_app.store import campaign_dir


def parse_overrides(text: str) -> dict:
    """`finetune.steps=20` lines (as the CLI's --set) -> nested dict (see config.parse_overrides); blank
    lines and `#` comments are skipped."""
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    settings = [(n, line) for n, line in lines if line and not line.startswith("#")]

    def malformed(index: int, line: str) -> str:
        return f"advanced setting on line {settings[index][0]} ('{line}'): write KEY=VALUE, e.g. finetune.steps=20"

    return config.parse_overrides([line for _, line in settings], malformed)


def build_config(values: dict, overrides: dict, recommended: dict | None = None) -> CampaignConfig:
    """CampaignConfig from the prior's recommended settings, the wizard's fields over them, and the
    advanced overrides over both (sections such as finetune merge key by key, as in the CLI's `new`);
    ConfigError says what is wrong."""
    data = campaigns.merge_settings(campaigns.merge_settings(recommended or {}, values), overrides)
    try:
        return config.new_campaign_config(data)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:  # a text where a number belongs, from the advanced box
        raise ConfigError(f"a setting has the wrong type ({exc}); check the advanced settings") from exc


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("validationError")
    label.setWordWrap(True)
    label.setStyleSheet("color: #b3261e")
    return label


def functions_in(path: str) -> list[str]:
    """Top-level function names of a Python file, read without running it."""
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return []
    return [
        n.name
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and not n.name.startswith("_")
    ]


class DomainPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Domain")
        self.setSubTitle("What does this campaign design?")
        self.combo = QComboBox()
        for name, description in catalog.domains():
            self.combo.addItem(f"{name} — {description}", name)
        layout = QFormLayout(self)
        layout.addRow("Domain:", self.combo)

    def domains(self) -> list[str]:
        return [self.combo.itemData(i) for i in range(self.combo.count())]

    def set_domain(self, domain: str) -> None:
        self.combo.setCurrentIndex(self.combo.findData(domain))

    def domain(self) -> str:
        return self.combo.currentData()


class PriorPage(QWizardPage):
    def __init__(self, wizard: NewCampaignWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Prior")
        self.setSubTitle("The pre-trained diffusion model the campaign starts from.")
        self.shipped = QRadioButton("A shipped prior:")
        self.folder = QRadioButton("A prior folder (holding config.json):")
        group = QButtonGroup(self)
        group.addButton(self.shipped)
        group.addButton(self.folder)
        self.list = QListWidget()
        self.folder_edit = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.recommendation = QLabel()
        self.recommendation.setObjectName("priorRecommendation")
        self.recommendation.setWordWrap(True)
        self.error = _error_label()
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.shipped)
        layout.addWidget(self.list)
        layout.addWidget(self.folder)
        layout.addLayout(row)
        layout.addWidget(self.recommendation)
        layout.addWidget(self.error)
        self.folder_edit.textEdited.connect(lambda _: self.folder.setChecked(True))
        self.list.itemClicked.connect(lambda _: self.shipped.setChecked(True))
        self.list.currentRowChanged.connect(lambda _: self._show_recommendation())
        self.folder.toggled.connect(lambda _: self._show_recommendation())
        self.folder_edit.textChanged.connect(lambda _: self._show_recommendation())

    def _show_recommendation(self) -> None:
        """Say at once what the selected prior recommends (the method page fills it in)."""
        text = describe(recommended_for(self.spec(), self.wiz.domain_page.domain()))
        self.recommendation.setText(f"This prior recommends: {text} (filled in on the method page)." if text else "")

    def initializePage(self) -> None:
        self.list.clear()
        self.list.setEnabled(True)
        for p in catalog.priors_for(self.wiz.domain_page.domain()):
            item = QListWidgetItem(f"{p['name']} — {p['summary'] or 'no card'}")
            item.setData(Qt.ItemDataRole.UserRole, p["name"])
            item.setToolTip(p["path"])
            self.list.addItem(item)
        has_shipped = self.list.count() > 0
        self.shipped.setEnabled(has_shipped)
        if has_shipped:
            self.list.setCurrentRow(0)
            self.shipped.setChecked(not self.folder_edit.text())
        else:
            self.list.addItem("(no prior shipped for this domain; choose a folder)")
            self.list.setEnabled(False)
            self.folder.setChecked(True)
        if self.folder_edit.text():
            self.folder.setChecked(True)
        self._show_recommendation()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a prior folder")
        if folder:
            self.folder_edit.setText(folder)
            self.folder.setChecked(True)

    def spec(self) -> str:
        if self.folder.isChecked():
            return self.folder_edit.text().strip()
        item = self.list.currentItem()
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return str(data) if data else ""

    def validatePage(self) -> bool:
        spec = self.spec()
        if self.folder.isChecked() and not spec:
            self.error.setText("Choose the folder of a prior (it holds config.json and the weights).")
            return False
        try:
            resolve_prior(spec, self.wiz.domain_page.domain())
        except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: "~nosuchuser/..."
            self.error.setText(str(exc))
            return False
        self.error.clear()
        return True


class OraclePage(QWizardPage):
    KINDS = ("builtin", "python", "command", "manual")

    def __init__(self, wizard: NewCampaignWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Oracle")
        self.setSubTitle("What measures a candidate. All oracles are maximised.")
        self.radios = {
            k: QRadioButton(t)
            for k, t in zip(
                self.KINDS,
                (
                    "Built-in score:",
                    "Python function in a file:",
                    "Command line (CSV id,item on stdin; id,score on stdout):",
                    "Manual: I enter or import lab measurements",
                ),
            )
        }
        group = QButtonGroup(self)
        for r in self.radios.values():
            group.addButton(r)
        self.builtin = QComboBox()
        self.builtin.setEditable(True)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.python_file = QLineEdit()
        self.python_file.setPlaceholderText("oracle.py")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.python_function = QComboBox()
        self.python_function.setEditable(True)
        self.command = QLineEdit()
        self.command.setPlaceholderText("python score.py")
        self.optimum = QLineEdit()
        self.optimum.setPlaceholderText("optional: best attainable score (enables regret)")
        self.error = _error_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self.radios["builtin"])
        layout.addWidget(self.builtin)
        layout.addWidget(self.description)
        layout.addWidget(self.radios["python"])
        row = QHBoxLayout()
        row.addWidget(self.python_file, 1)
        row.addWidget(browse)
        row.addWidget(QLabel("function:"))
        row.addWidget(self.python_function)
        layout.addLayout(row)
        layout.addWidget(self.radios["command"])
        layout.addWidget(self.command)
        layout.addWidget(self.radios["manual"])
        form = QFormLayout()
        form.addRow("Known optimum:", self.optimum)
        layout.addLayout(form)
        layout.addWidget(self.error)
        self.radios["builtin"].setChecked(True)
        self.builtin.currentTextChanged.connect(self._describe)
        self.python_file.textChanged.connect(self._list_functions)
        self.python_file.textEdited.connect(lambda _: self.radios["python"].setChecked(True))
        self.command.textEdited.connect(lambda _: self.radios["command"].setChecked(True))

    def initializePage(self) -> None:
        self._descriptions = {}
        self.builtin.clear()
        choices = catalog.oracle_choices(self.wiz.domain_page.domain())
        for choice in choices:
            self.builtin.addItem(choice.spec)
            self._descriptions[choice.spec] = choice.description
        self.radios["builtin"].setEnabled(bool(choices))
        if not choices and self.radios["builtin"].isChecked():
            self.radios["manual"].setChecked(True)  # no built-in score for this domain
        self._describe(self.builtin.currentText())

    def _describe(self, name: str) -> None:
        self.description.setText(getattr(self, "_descriptions", {}).get(name, ""))

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Python file with a scoring function", "", "Python (*.py)")
        if path:
            self.python_file.setText(path)
            self.radios["python"].setChecked(True)

    def _list_functions(self, path: str) -> None:
        names = functions_in(path) if path.endswith(".py") else []
        current = self.python_function.currentText()
        self.python_function.clear()
        self.python_function.addItems(names)
        if current in names or (current and not names):
            self.python_function.setEditText(current)

    def kind(self) -> str:
        return next(k for k, r in self.radios.items() if r.isChecked())

    def spec(self) -> str:
        kind = self.kind()
        if kind == "builtin":
            return self.builtin.currentText().strip()
        if kind == "python":
            return f"python:{self.python_file.text().strip()}:{self.python_function.currentText().strip()}"
        if kind == "command":
            return f"command:{self.command.text().strip()}"
        return "manual"

    def optimum_value(self) -> float | None:
        text = self.optimum.text().strip().replace(",", ".")
        return float(text) if text else None

    def validatePage(self) -> bool:
        from designer_app.oracles import OracleSpecError, parse_oracle

        try:
            optimum = self.optimum_value()
        except ValueError:
            self.error.setText(f"Known optimum '{self.optimum.text()}' is not a number; leave it empty if unknown.")
            return False
        if self.kind() == "python" and (
            not self.python_file.text().strip() or not self.python_function.currentText().strip()
        ):
            self.error.setText("Choose a .py file and the function in it that returns one score per item.")
            return False
        if self.kind() == "command" and not self.command.text().strip():
            self.error.setText("Type the command to run, e.g. python score.py")
            return False
        try:
            parse_oracle(self.spec(), domain=self.wiz.domain_page.domain(), optimum=optimum)
        except (OracleSpecError, ValueError) as exc:
            self.error.setText(str(exc))
            return False
        self.error.clear()
        return True


class MethodPage(QWizardPage):
    def __init__(self, wizard: NewCampaignWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Method and budget")
        self.setSubTitle("SEIKO settings. The budget is rounds × batch size oracle calls.")
        defaults = CampaignConfig(name="x")
        self.method = QComboBox()
        for name, text in ((n, get_method(n).description) for n in method_names()):
            self.method.addItem(name)
            self.method.setItemData(self.method.count() - 1, text, Qt.ItemDataRole.ToolTipRole)
        self.method_text = QLabel()
        self.method_text.setWordWrap(True)
        self.rounds = self._spin(1, 1000, defaults.rounds)
        self.batch_size = self._spin(1, 100_000, defaults.batch_size)
        self.schedule = QComboBox()
        self.schedule.addItems(list(SCHEDULES))
        self.alpha = self._double(defaults.alpha)
        self.beta = self._double(defaults.beta)
        self.seed = self._spin(0, 2**31 - 1, defaults.seed)
        self.top_up = QCheckBox("Replace repeats with new designs")
        self.top_up.setToolTip(
            "A proposal that repeats a design measured before (or is infeasible) is not measured again. Checked, "
            "the round draws further samples from the same model until it holds the full batch of new designs "
            f"(up to {TOP_UP_PASSES} extra passes), so the lab gets the batch size it planned for."
        )
        self.top_up.setChecked(defaults.top_up > 0)
        self.exploit_last = QCheckBox("Last batch: best guesses, no exploration")
        self.exploit_last.setToolTip(
            "The optimistic methods fine-tune towards mean + bonus so that each batch also teaches the reward "
            "model. No round learns from the last batch, so checked, the model that proposes it is fine-tuned "
            "on the reward model's mean alone."
        )
        self.advanced = QPlainTextEdit()
        self.advanced.setPlaceholderText("Advanced settings, one per line, e.g.\nfinetune.steps=20\nreward.n_heads=3")
        self.advanced.setMaximumHeight(90)
        self.budget = QLabel()
        self.note = QLabel()
        self.note.setObjectName("recommendedNote")
        self.note.setWordWrap(True)
        self.note.setVisible(False)
        self.error = _error_label()
        self._recommended: dict = {}
        self._source = ""
        # The fields a prior's recommendation may fill in (recommended.py); keys are config fields.
        fields = {
            "method": self.method,
            "rounds": self.rounds,
            "batch_size": self.batch_size,
            "batch_schedule": self.schedule,
            "alpha": self.alpha,
            "beta": self.beta,
            "seed": self.seed,
        }
        self.recommended_fields = RecommendedFields(
            fields, {key: getattr(defaults, key) for key in fields}, on_edit=self._show_note
        )
        form = QFormLayout(self)
        form.addRow(self.note)
        form.addRow("Method:", self.method)
        form.addRow("", self.method_text)
        form.addRow("Rounds:", self.rounds)
        form.addRow("Batch size:", self.batch_size)
        form.addRow("Batch schedule:", self.schedule)
        form.addRow("α (KL weight):", self.alpha)
        form.addRow("β (bonus weight):", self.beta)
        form.addRow("Seed:", self.seed)
        form.addRow("", self.top_up)
        form.addRow("", self.exploit_last)
        form.addRow("Advanced:", self.advanced)
        form.addRow("", self.budget)
        form.addRow(self.error)
        self.method.currentTextChanged.connect(self._show_method)
        self._show_method(self.method.currentText())
        for w in (self.rounds, self.batch_size):
            w.valueChanged.connect(self._show_budget)
        self.schedule.currentTextChanged.connect(self._show_budget)
        self.method.currentTextChanged.connect(self._show_budget)
        self._show_budget()

    @staticmethod
    def _spin(lo: int, hi: int, value: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(lo, hi)
        spin.setValue(value)
        return spin

    @staticmethod
    def _double(value: float) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setDecimals(4)
        spin.setRange(0.0, 1000.0)
        spin.setSingleStep(0.01)
        spin.setValue(value)
        return spin

    def initializePage(self) -> None:
        """Entered with Next: apply the (possibly changed) prior's recommendations to untouched fields."""
        self._recommended, self._source = self.wiz.recommended(), self.wiz.prior_label()
        self.recommended_fields.prefill(self._recommended, self._source)
        self._show_note()

    def _show_note(self) -> None:
        text = describe(self._recommended)
        if text:
            text = f"Recommended by the prior {self._source}: {text}."
            kept = self.recommended_fields.kept(self._recommended)
            if kept:
                text += f" Your {', '.join(kept)} {'is' if len(kept) == 1 else 'are'} kept."
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def settings(self, recommended: dict) -> dict:
        """The fields' values for the configuration (see RecommendedFields.values)."""
        return self.recommended_fields.values(recommended)

    def values(self) -> dict:
        """What the fields show (the budget line); the configuration takes `settings`."""
        return self.recommended_fields.shown()

    def _show_method(self, name: str) -> None:
        method = get_method(name) if name in method_names() else None
        self.method_text.setText(method.description if method else "")
        self.exploit_last.setEnabled(bool(method and method.optimistic))

    def _show_budget(self, *args) -> None:
        try:
            cfg = CampaignConfig(name="x", **self.values())
            self.budget.setText(f"Budget: {cfg.budget} oracle calls ({' + '.join(map(str, cfg.batch_sizes()))})")
        except ConfigError as exc:
            self.budget.setText(str(exc))

    def validatePage(self) -> bool:
        try:
            self.wiz.config_for("check-only")
        except ConfigError as exc:
            self.error.setText(str(exc))
            return False
        self.error.clear()
        return True


class NamePage(QWizardPage):
    def __init__(self, wizard: NewCampaignWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Name")
        self.setSubTitle("The campaign's folder name. Press Finish to create it (nothing runs yet).")
        self.name = QLineEdit()
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.error = _error_label()
        form = QFormLayout(self)
        form.addRow("Name:", self.name)
        form.addRow("Folder:", self.where)
        form.addRow(self.error)
        self.name.textChanged.connect(self._show_folder)

    def initializePage(self) -> None:
        if not self.name.text():
            oracle = self.wiz.oracle_page.kind()
            self.name.setText(f"{self.wiz.domain_page.domain()}-{oracle}-{time.strftime('%Y%m%d-%H%M')}")
        self._show_folder(self.name.text())

    def _show_folder(self, name: str) -> None:
        try:
            self.where.setText(str(campaign_dir(name.strip(), self.wiz.home)))
        except ValueError as exc:
            self.where.setText(str(exc))

    def validatePage(self) -> bool:
        try:
            cfg = self.wiz.config_for(self.name.text().strip())
            self.wiz.created_folder = campaigns.create(cfg, self.wiz.home)
        except Exception as exc:  # ConfigError, CampaignError, OracleSpecError, FileNotFoundError, StoreError
            self.error.setText(str(exc))
            return False
        self.wiz.created_config = cfg
        self.error.clear()
        return True


class NewCampaignWizard(QWizard):
    """Collects a CampaignConfig and creates the campaign; `created_folder` is set when it succeeds."""

    def __init__(self, home: str | Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New campaign")
        self.setObjectName("newCampaignWizard")
        self.home = home
        self.created_folder: Path | None = None
        self.created_config: CampaignConfig | None = None
        self.domain_page = DomainPage()
        self.prior_page = PriorPage(self)
        self.oracle_page = OraclePage(self)
        self.method_page = MethodPage(self)
        self.name_page = NamePage(self)
        for page in (self.domain_page, self.prior_page, self.oracle_page, self.method_page, self.name_page):
            self.addPage(page)
        self.resize(720, 560)

    def recommended(self) -> dict:
        """The chosen prior's recommended settings ({} when none or not found)."""
        return recommended_for(self.prior_page.spec(), self.domain_page.domain())

    def prior_label(self) -> str:
        """The chosen prior as the note names it: a shipped name, or a folder's name."""
        spec = self.prior_page.spec()
        try:
            return resolve_prior(spec, self.domain_page.domain()).name
        except (OSError, RuntimeError, ValueError):
            return spec or "(default)"

    def config_for(self, name: str) -> CampaignConfig:
        """The configuration the wizard's inputs describe, built as `designer-app new` builds it: the
        prior's recommendations under the fields the user changed and the advanced lines."""
        optimum = self.oracle_page.optimum_value() if self.oracle_page.optimum.text().strip() else None
        recommended = self.recommended()
        values = {
            "name": name,
            "domain": self.domain_page.domain(),
            "prior": self.prior_page.spec(),
            "oracle": self.oracle_page.spec(),
            "optimum": optimum,
            **self.method_page.settings(recommended),
            "top_up": TOP_UP_PASSES if self.method_page.top_up.isChecked() else 0,
            "exploit_last": self.method_page.exploit_last.isEnabled() and self.method_page.exploit_last.isChecked(),
        }
        return build_config(values, parse_overrides(self.method_page.advanced.toPlainText()), recommended)
