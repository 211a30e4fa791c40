"""Apply a lab score file to a campaign: match rows to candidates, then store them in one transaction.

`read_scores` has already checked the file's content; this module checks it against the campaign (ids
that exist, items that match their id, items the domain accepts) and writes. All-or-nothing: the first
problem raises `ScoreFileError` naming the file and line before anything is written, unless
`valid_only`, which stores the good rows and reports the rejected ones.

What a row means (the lab-data semantics of the campaign):
  * a score for a candidate with no final measurement is stored; a failed row is stored as failed (no
    value: synthesis/expression/assay failed; it stays visible as a feasibility signal); a pending row
    marks the candidate as sent to the lab;
  * a score for a candidate that already has one replaces it (the old one stays in the history), or,
    with `replicate`, is added as a replicate and averaged;
  * a row identical to the current measurement is skipped, so importing the same file twice changes
    nothing; a pending row for a candidate already measured carries no news and is skipped too;
  * an item that is no candidate yet is refused, or with `add_new` added as the user's own candidate
    (canonicalised and keyed by the campaign's domain; the reward model learns from it like from any
    other scored candidate).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from designer_app import faults
from designer_app.core.protocols import FAILED, OK, PENDING, OracleResult
from designer_app.core.records import NewCandidate
from designer_app.io.errors import ScoreFileError
from designer_app.io.score_import import ScoreRow, read_scores
from designer_app.store import CampaignStore, StoreError
from designer_app.store.scores import current_rows

Encoder = Callable[[list[str]], Sequence["list[float] | None"]]


@dataclass(frozen=True)
class ImportReport:
    """What an import did.

    Attributes:
        stored: measurement rows written.
        unchanged: rows identical to what was stored already (skipped).
        added_candidates: the user's own candidates added (`add_new`).
        rejected: (line, reason) of the rows left out (`valid_only` only).
        warnings: things the user should know that did not stop the import (e.g. an added item the
            prior cannot represent, so the reward model cannot learn from it).
    """

    stored: int
    unchanged: int
    added_candidates: int
    rejected: list[tuple[int, str]]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Planned:
    target: int  # candidate id the measurement belongs to (the original of a duplicate)
    result: OracleResult
    replaces: int | None


def apply_scores(
    store: CampaignStore,
    path: str | Path,
    *,
    add_new: bool = False,
    replicate: bool = False,
    valid_only: bool = False,
    encode: Encoder | None = None,
) -> ImportReport:
    """Import a CSV/SDF/FASTA score file into `store` (see the module docstring for the rules).

    Args:
        encode: maps new items to the sampler's space (the engine's `encode_items`); with it, the
            user's own candidates are stored with their latent and items it cannot encode are
            reported in `warnings`. Without it the loop encodes them when it next fits.

    Raises:
        ScoreFileError: the file, or (unless valid_only) a row, cannot be imported; nothing was stored.
        StoreError: own candidates were given but the campaign has no round yet.
    """
    cfg = store.config()
    domain_name = cfg.get("domain", "molecules")
    domain = _domain(domain_name)
    name = Path(path).name
    parsed = read_scores(path, valid_only=valid_only, domain=domain_name)
    everyone = {c.id: c for c in store.candidates(include_discarded=True)}
    live = {c.id for c in store.candidates()}
    by_key: dict[str, object] = {}
    for c in sorted(everyone.values(), key=lambda c: (c.id not in live, c.id)):  # live originals first
        if c.key and c.duplicate_of is None:
            by_key.setdefault(c.key, c)
    by_domain_key: dict[str, object] = {}

    def find(key: str):
        """The candidate of a design: by its stored key, else by the domain's key of its item (a DNA
        strand and its reverse complement are one design, whatever key the candidate was stored under).
        The second index costs a canonicalisation per candidate, so it is built only when needed."""
        if key in by_key:
            return by_key[key]
        if not by_domain_key:
            for c in by_key.values():
                by_domain_key.setdefault(_domain_key(domain, c.item) or c.key, c)
        return by_domain_key.get(key)

    current = _current(store)
    scores = store.effective_scores()
    rejected = list(parsed.rejected)
    plan: list[_Planned] = []
    unchanged = 0
    new_items: dict[str, tuple[int, OracleResult]] = {}  # key -> (line, result)
    new_canonical: dict[str, str] = {}

    def refuse(row: ScoreRow, problem: str) -> None:
        if not valid_only:
            raise ScoreFileError(name, problem, line=row.line)
        rejected.append((row.line, problem))

    for row in parsed.rows:
        result = OracleResult(row.value, row.status, row.note)
        key = canonical = None
        if row.item is not None:
            canonical, why = domain.canonical_item(row.item)
            if canonical is None:
                refuse(row, f"{row.item!r} is not a valid {domain_name} item ({why}); correct it or delete the row")
                continue
            key = domain.key(canonical)
        if row.candidate_id is not None:
            cand = everyone.get(row.candidate_id)
            if cand is None:
                refuse(
                    row,
                    f"id {row.candidate_id} is not a candidate of campaign '{cfg.get('name')}'; copy the id "
                    "unchanged from the exported file, or give only the item",
                )
                continue
            if key is not None and key != cand.key and key != _domain_key(domain, cand.item):
                refuse(
                    row, f"id {row.candidate_id} is {cand.item}, but the file says {row.item}; fix the id or the item"
                )
                continue
        else:
            cand = find(key)
            if cand is None:
                if not add_new:
                    refuse(
                        row,
                        f"{row.item} is not a candidate of this campaign; pass --add-new (or tick 'add "
                        "as my own candidates') to add it with its score",
                    )
                elif key in new_items:
                    refuse(row, f"{row.item} is the same design as line {new_items[key][0]}; keep one row")
                else:
                    new_items[key] = (row.line, result)
                    new_canonical[key] = canonical
                continue
        target = cand.duplicate_of or cand.id
        existing = current.get(target, [])
        final = [m for m in existing if m.status != PENDING]
        same = [m for m in existing if m.value == row.value and m.status == row.status]
        mean = scores.get(target)
        # An exported file sent back with its already-measured rows untouched carries the replicates'
        # mean: that is no new measurement either (repr round-trips floats exactly, hence ==).
        is_mean = row.status == OK and mean is not None and mean.value is not None and row.value == mean.value
        if (
            (same and (not replicate or any(m.source == f"import:{name}" for m in same)))
            or (row.status == PENDING and final)
            or (is_mean and not replicate)
        ):
            unchanged += 1
            continue
        plan.append(_Planned(target, result, None if replicate or not existing else existing[-1].id))
    warnings: list[str] = []
    new = _new_candidates(new_items, new_canonical, domain, encode, warnings)
    with store.db.atomic():  # one transaction for the whole file
        added_ids: list[int] = []
        if new:
            latest = max((r.index for r in store.rounds()), default=None)
            if latest is None:
                raise StoreError(
                    "the campaign has no round yet; run it once (`designer-app run NAME`) before "
                    "adding your own candidates"
                )
            added_ids = store.add_candidates(latest, [c for c, _ in new])
            plan += [_Planned(cid, res, None) for cid, (_, res) in zip(added_ids, new)]
        store.record_measurements(
            [(p.target, p.result) for p in plan],
            source=f"import:{name}",
            replaces={p.target: p.replaces for p in plan if p.replaces is not None},
        )
        faults.point("commit:import")
    faults.point("committed:import")
    store.log_event(
        None,
        "ScoresImported",
        {
            "file": str(path),
            "stored": len(plan),
            "unchanged": unchanged,
            "added_candidates": len(added_ids),
            "rejected": len(rejected),
            "failed": sum(p.result.status == FAILED for p in plan),
            "pending": sum(p.result.status == PENDING for p in plan),
        },
    )
    return ImportReport(len(plan), unchanged, len(added_ids), rejected, warnings)


def _new_candidates(new_items, canonical, domain, encode: Encoder | None, warnings: list[str]):
    """NewCandidates (source "user") for the items that are no candidates yet, with their latents."""
    keys = list(new_items)
    items = [canonical[k] for k in keys]
    latents: Sequence = [None] * len(items)
    if encode is not None and items:
        latents = list(encode(items))
        missing = [item for item, latent in zip(items, latents) if latent is None]
        if missing:
            warnings.append(
                f"{len(missing)} added item(s) cannot be represented by the campaign's prior, so the "
                f"reward model cannot learn from them (their scores are stored): {', '.join(missing[:5])}"
            )
    out = []
    for key, item, latent in zip(keys, items, latents):
        feasible, reason = domain.feasibility(item)
        candidate = NewCandidate(
            item, key, feasible, reason, latent=None if latent is None else list(latent), source="user"
        )
        out.append((candidate, new_items[key][1]))
    return out


def _domain_key(domain, item: str | None) -> str:
    if not item:
        return ""
    canonical, _ = domain.canonical_item(item)
    return domain.key(canonical) if canonical else ""


def _current(store: CampaignStore) -> dict[int, list]:
    """candidate id -> its current measurement rows (see store.scores), oldest first."""
    rows: dict[int, list] = {}
    for m in store.measurements():
        rows.setdefault(m.candidate_id, []).append(m)
    return {cid: current_rows(ms) for cid, ms in rows.items()}


class _AnyText:
    """Domain stand-in for domains without a domain object: any non-empty text, keyed by itself."""

    @staticmethod
    def canonical_item(text: str) -> tuple[str | None, str]:
        text = (text or "").strip()
        return (text, "") if text else (None, "empty item")

    @staticmethod
    def feasibility(item: str | None) -> tuple[bool, str]:
        return bool(item), "" if item else "empty item"

    @staticmethod
    def key(item: str | None) -> str:
        return item or ""


def _domain(name: str):
    from designer_app.domains import get_domain

    try:
        return get_domain(name)
    except (ValueError, ImportError, AttributeError):  # a domain still being written: plain text items
        return _AnyText()


__all__ = ["ImportReport", "apply_scores"]
