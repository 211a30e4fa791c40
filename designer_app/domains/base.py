"""What every domain declares about itself, in one object that the domain registry hands out.

A domain is registered in the entry-point group `designer_app.domains` (designer_app.registry); everything
that differs between domains outside the domain's own modules - the wizard's description, the default prior,
which files can be imported and exported, how the window draws an item, which trainer `designer-app
pretrain` runs - is read from these fields, never from a list of domain names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

# How the window draws an item of the domain (gui/depiction.py).
STRUCTURE = "structure"  # a 2D chemical structure (RDKit)
LETTERS = "letters"  # coloured letter cells (sequences)
IMAGE = "image"  # a thumbnail of the image file
DEPICTIONS = (STRUCTURE, LETTERS, IMAGE)


@dataclass(frozen=True)
class Domain:
    """The parts of a domain that are data. Subclasses add canonical_item, feasibility and key.

    Attributes:
        name: the domain's name, as `--domain` takes it.
        description: one line for the wizard's domain page (what an item is and how it is shown).
        default_prior: the shipped prior (resources/models/<name>/) a campaign uses unless told otherwise.
        export_formats: file formats `designer-app export` writes for it ("csv", "sdf", "fasta", "png").
        import_formats: score-file formats `import-scores` reads for it ("csv", "sdf", "fasta").
        depiction: how the window draws an item: one of DEPICTIONS.
        pretrainer: module whose `pretrain(request)` trains the domain's prior (`designer-app pretrain`);
            "" when the domain has no trainer.
        item_label: what an item is called in messages and column headers ("SMILES", "sequence", ...).
        alphabet: the letters of a sequence domain, in one-hot order ("" for other domains).
        letter_colours: letter -> colour ("#rrggbb") of a sequence domain's depiction.
        item_files: items are paths of files the prior writes into the campaign's items/ folder (images),
            so a moved campaign finds them where it is now.
        order: where the domain is listed (lower first).
    """

    name: str
    description: str
    default_prior: str
    export_formats: tuple[str, ...]
    import_formats: tuple[str, ...]
    depiction: str
    pretrainer: str = ""
    item_label: str = "item"
    alphabet: str = ""
    letter_colours: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    item_files: bool = False
    order: int = 100

    def __post_init__(self) -> None:
        if self.depiction not in DEPICTIONS:
            raise ValueError(f"domain {self.name}: depiction must be one of {', '.join(DEPICTIONS)}")
        # frozen: a shared dict could still be changed from outside, so hold a read-only view
        object.__setattr__(self, "letter_colours", MappingProxyType(dict(self.letter_colours)))

    def canonical_item(self, text: str) -> tuple[str | None, str]:
        """(the item in canonical form, "") or (None, what is wrong with `text`)."""
        raise NotImplementedError

    def feasibility(self, item: str | None) -> tuple[bool, str]:
        """Whether a decoded item may be sent to the oracle, and why not."""
        raise NotImplementedError

    def key(self, item: str | None) -> str:
        """Equal keys = the same design (the loop never measures a key twice)."""
        raise NotImplementedError

    def item_features(self, items: Sequence[str]) -> np.ndarray | None:
        """(N, F) non-negative features of items for the item reward model (models/item_model.py), the
        features the field ranks such items by; None when the domain has none (the loop then ranks a pool
        with the latent reward model). All items of one call get features of the same width."""
        return None
