"""A prior's recommended campaign settings in the new-campaign wizard.

A prior's trainers may record the settings that work best with it (`campaign_defaults` in its
config.json, read by campaigns.prior_campaign_defaults), and `designer-app new` applies them under what
the user says. The wizard must create the same campaign from the same inputs, so:

- a field the wizard shows (α, β, rounds, ...) starts at the prior's recommended value, and goes back to
  the general default when another prior recommends nothing for it — unless the user changed the
  field, which then keeps the user's value whatever prior is chosen;
- a recommended setting without a field (finetune.steps, ...) goes into the configuration as it is,
  under the advanced `key=value` lines, which win as the CLI's --set does.

`RecommendedFields` remembers which fields the user changed: a value the wizard filled in is a
recommendation, a value the user typed is a decision, and the two look the same in a spin box.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QDoubleSpinBox, QSpinBox, QWidget

from designer_app import campaigns

# How the wizard names settings in its note; other keys are shown as "finetune grad steps" etc.
LABELS = {
    "alpha": "α",
    "beta": "β",
    "batch_size": "batch size",
    "batch_schedule": "batch schedule",
    "sample_steps": "sampling steps",
    "finetune.steps": "fine-tune steps",
    "finetune.batch_size": "fine-tune batch size",
    "finetune.lr": "fine-tune learning rate",
    "reward.conv_length": "convolutional reward heads over positions",
    "reward.conv_letters": "letters per position",
}


def recommended_for(prior: str, domain: str) -> dict:
    """The prior's recommended settings (nested like CampaignConfig JSON); {} when it has none or
    cannot be found (the prior page reports that). Called as the user types a folder path, so a path
    that cannot even be looked up ("~nosuchuser", unreadable) is "no recommendation" too."""
    try:
        return campaigns.prior_campaign_defaults(prior, domain)
    except (OSError, RuntimeError, ValueError):
        return {}


def flatten(settings: dict, prefix: str = "") -> dict[str, Any]:
    """{"finetune": {"steps": 20}} -> {"finetune.steps": 20}, in the order the prior lists them."""
    out: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def label(key: str) -> str:
    return LABELS.get(key, key.replace(".", " ").replace("_", " "))


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe(recommended: dict) -> str:
    """ "α 0.0003, fine-tune steps 20, fine-tune batch size 16" ("" for no recommendation)."""
    return ", ".join(f"{label(k)} {_fmt(v)}" for k, v in flatten(recommended).items())


def _value(widget: QWidget) -> Any:
    if isinstance(widget, QComboBox):
        return widget.currentText()
    assert isinstance(widget, (QSpinBox, QDoubleSpinBox))
    return widget.value()


def _set(widget: QWidget, value: Any) -> None:
    """Show `value` in the widget; a value it cannot show (wrong type) leaves it as it is, and the
    configuration check reports the value when the page is validated."""
    try:
        if isinstance(widget, QComboBox):
            widget.setCurrentText(str(value))
        elif isinstance(widget, QSpinBox):
            if not isinstance(value, bool) and float(value).is_integer():
                widget.setValue(int(value))
        elif isinstance(widget, QDoubleSpinBox):
            widget.setValue(float(value))
    except (TypeError, ValueError, OverflowError):
        pass


class RecommendedFields:
    """The wizard fields a prior's recommendation fills in, and which of them the user changed.

    Args:
        fields: configuration key -> the spin box or combo box that shows it.
        defaults: configuration key -> the general default (CampaignConfig's), used when the prior
            recommends nothing for a field.
        on_edit: called after the user changed a field (the note says whose value is used).
    """

    def __init__(
        self, fields: dict[str, QWidget], defaults: dict[str, Any], on_edit: Callable[[], None] | None = None
    ) -> None:
        self.fields = fields
        self.defaults = defaults
        self.edited: set[str] = set()
        self._filling = False
        self._on_edit = on_edit
        for key, widget in fields.items():
            signal = widget.currentTextChanged if isinstance(widget, QComboBox) else widget.valueChanged
            signal.connect(lambda *_, k=key: self._changed(k))

    def _changed(self, key: str) -> None:
        if self._filling:
            return
        self.edited.add(key)
        if self._on_edit is not None:
            self._on_edit()

    def prefill(self, recommended: dict, source: str) -> None:
        """Show the recommended value (or the general default) in every field the user left alone;
        `source` names the prior in the fields' tooltips."""
        self._filling = True
        try:
            for key, widget in self.fields.items():
                if key in self.edited:
                    continue
                _set(widget, recommended.get(key, self.defaults[key]))
                if isinstance(widget, QAbstractSpinBox):  # a combo's tooltip describes its items
                    widget.setToolTip(f"recommended by the prior {source}" if key in recommended else "")
        finally:
            self._filling = False

    def shown(self) -> dict[str, Any]:
        """What each field shows now."""
        return {key: _value(widget) for key, widget in self.fields.items()}

    def values(self, recommended: dict) -> dict[str, Any]:
        """Each field's value for the configuration: the user's where changed, else exactly what the
        prior recommends (a spin box shows it rounded to its decimals), else the general default."""
        return {
            key: _value(widget) if key in self.edited else recommended.get(key, self.defaults[key])
            for key, widget in self.fields.items()
        }

    def kept(self, recommended: dict) -> list[str]:
        """Recommended settings the user overrode in a field, as labels."""
        return [label(key) for key in self.fields if key in self.edited and key in recommended]
