"""The screening library shipped with a prior: items drawn from the prior's own training distribution.

The `screen` baseline (core/methods.py) measures random library items, what a scientist does without a
model. Each prior folder may hold `library.txt.gz` (one item per line, canonical form); this module writes it:

    python -m designer_app.pretraining.library molecules --data molsets-0.3.1-py3-none-any.whl \\
        --out resources/models/molecules-moses
    python -m designer_app.pretraining.library dna --out resources/models/dna-8mer
    python -m designer_app.pretraining.library protein --out resources/models/protein-ehrlich
    python -m designer_app.pretraining.library rna --out resources/models/rna-32mer

- molecules: MOSES training SMILES (the molsets wheel; MIT licence), a uniform random subset;
- dna: every 8-mer (the TF-binding tables score all of them; the prior was trained on the same 8-mers);
- protein: feasible sequences of the default Ehrlich function's DMP, the distribution the prior learnt;
- rna: uniformly random 32-mers kept by the prior's own rule (MFE strictly below the median).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
from pathlib import Path

import numpy as np

from designer_app.atomic import atomic_write_bytes
from designer_app.domains import get_domain
from designer_app.models.library import LIBRARY_FILE


def molecule_library(data: str, n: int, seed: int) -> list[str]:
    from designer_app.domains import chemistry
    from designer_app.pretraining.molecule_data import read_smiles

    smiles = read_smiles(data, "train")
    rng = np.random.default_rng(seed)
    out: list[str] = []
    for i in rng.permutation(len(smiles)):
        canonical = chemistry.canonical_smiles(smiles[i])
        if canonical:
            out.append(canonical)
        if len(out) >= n:
            break
    return out


def dna_library() -> list[str]:
    return ["".join(letters) for letters in itertools.product("ACGT", repeat=8)]


def protein_library(n: int, seed: int) -> list[str]:
    from designer_app.oracles.ehrlich import EhrlichSpec, ehrlich_function

    return ehrlich_function(EhrlichSpec()).sample_feasible(n, np.random.default_rng(seed))


def rna_library(n: int, seed: int) -> list[str]:
    from designer_app.pretraining.rna import random_sequences, stability

    seqs = random_sequences(2 * n, np.random.default_rng(seed))
    values = stability(seqs)
    return [str(s) for s in np.asarray(seqs)[values < np.median(values)][:n]]


def write_library(items: list[str], domain: str, out: Path) -> Path:
    """Canonical, distinct items, one per line, gzip-compressed (mtime 0, so the file is reproducible)."""
    dom = get_domain(domain)
    seen: set[str] = set()
    lines = []
    for item in items:
        canonical, _ = dom.canonical_item(item)
        if canonical and dom.key(canonical) not in seen:
            seen.add(dom.key(canonical))
            lines.append(canonical)
    data = gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)
    return atomic_write_bytes(Path(out) / LIBRARY_FILE, data)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("domain", choices=("molecules", "dna", "protein", "rna"))
    p.add_argument("--out", required=True, help="the prior folder")
    p.add_argument("--data", help="molecules: the molsets wheel")
    p.add_argument("--n", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=12345, help="differs from the priors' training seeds")
    args = p.parse_args(argv)
    if args.domain == "molecules":
        if not args.data:
            p.error("molecules needs --data (the molsets wheel: pip download --no-deps molsets==0.3.1)")
        items = molecule_library(args.data, args.n, args.seed)
    elif args.domain == "dna":
        items = dna_library()
    elif args.domain == "protein":
        items = protein_library(args.n, args.seed)
    else:
        items = rna_library(args.n, args.seed)
    path = write_library(items, args.domain, Path(args.out))
    print(f"{path}: {sum(1 for _ in gzip.open(path, 'rt'))} items, {path.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
