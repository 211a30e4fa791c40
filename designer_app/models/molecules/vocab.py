"""SELFIES vocabulary: token strings <-> integer ids, with padding, begin and end tokens.

SELFIES (Krenn et al. 2020) guarantees that every token string decodes to a valid molecule, so the
decoder never has to learn valence rules; it only has to learn which molecules are typical.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"


@dataclass(frozen=True)
class Vocab:
    """An ordered token list. Ids 0, 1, 2 are always pad, begin and end.

    Attributes:
        tokens: every token, specials first; the position is the id.
        max_len: longest token sequence (without begin/end) the models accept.
    """

    tokens: tuple[str, ...]
    max_len: int

    @property
    def pad_id(self) -> int:
        return 0

    @property
    def bos_id(self) -> int:
        return 1

    @property
    def eos_id(self) -> int:
        return 2

    def __len__(self) -> int:
        return len(self.tokens)

    @classmethod
    def build(cls, selfies_strings: Iterable[str], max_len: int) -> Vocab:
        """Collect the tokens of `selfies_strings` in a stable (sorted) order."""
        import selfies as sf

        seen: set[str] = set()
        for s in selfies_strings:
            seen.update(sf.split_selfies(s))
        return cls(tokens=(PAD, BOS, EOS, *sorted(seen)), max_len=max_len)

    def to_json(self) -> dict:
        return {"tokens": list(self.tokens), "max_len": self.max_len}

    @classmethod
    def from_json(cls, data: dict) -> Vocab:
        return cls(tokens=tuple(data["tokens"]), max_len=int(data["max_len"]))

    def encode(self, selfies_string: str) -> list[int] | None:
        """Token ids without begin/end, or None when a token is unknown or the string is too long."""
        import selfies as sf

        index = self._index()
        ids = []
        for tok in sf.split_selfies(selfies_string):
            if tok not in index:
                return None
            ids.append(index[tok])
        return ids if len(ids) <= self.max_len else None

    def encode_batch(self, selfies_strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Pad to `max_len + 1` (the end token). Returns ids (N, max_len+1) and a keep mask (N,)."""
        out = np.zeros((len(selfies_strings), self.max_len + 1), dtype=np.int64)
        keep = np.zeros(len(selfies_strings), dtype=bool)
        for row, s in enumerate(selfies_strings):
            ids = self.encode(s)
            if ids is None:
                continue
            out[row, : len(ids)] = ids
            out[row, len(ids)] = self.eos_id
            keep[row] = True
        return out, keep

    def decode(self, ids: Sequence[int]) -> str:
        """Token ids -> SELFIES string, stopping at the first end or pad token."""
        parts = []
        for i in ids:
            i = int(i)
            if i in (self.eos_id, self.pad_id):
                break
            if i == self.bos_id:
                continue
            parts.append(self.tokens[i])
        return "".join(parts)

    def _index(self) -> dict[str, int]:
        cache = self.__dict__.get("_index_cache")
        if cache is None:
            cache = {t: i for i, t in enumerate(self.tokens)}
            object.__setattr__(self, "_index_cache", cache)
        return cache
