"""Apply the post-hoc S prior (``ecgdash.models.prior.adjust_prior``) to robust models trained without it.

Usage: python scripts/adjust_robust_prior.py [--source data/mitdb] [NAME ...]

`python -m ecgdash train --model robust` does this step itself right after training. This script
does the same to a model already in trained_models/ (the committed pair was trained before the
step existed): the scale is chosen on the model's own validation records (from its card), then
the card's DS2 evaluation and robustness table are recomputed and model and card are replaced
atomically. A model whose card already records an adjustment is left alone.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv=None) -> int:
    from ecgdash.datasets.mitbih import annotated_beats, ds2_beats, read_records
    from ecgdash.evaluation.robustness import robustness_suite
    from ecgdash.models import registry, store
    from ecgdash.models.prior import adjust_prior
    from ecgdash.training.reference import add_evaluation

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", default=list(registry.PAIRS["robust"]))
    parser.add_argument("--source", default="data/mitdb", help="WFDB folder with the MIT-BIH records")
    parser.add_argument("--models", help="model folder (default trained_models/)")
    args = parser.parse_args(argv)
    source = Path(args.source)
    test = ds2_beats(source)
    for name in args.names:
        card = store.load_card(name, folder=args.models)
        if card.get("logit_adjustment"):
            print(f"{name}: already adjusted (S prior x{card['logit_adjustment']['scale']:g}); left alone")
            continue
        model = store.load_model(name, folder=args.models)
        val = annotated_beats(read_records(source, card["data"]["val_records"]))
        before = card["evaluation"]
        adjustment = adjust_prior(model, val)
        adjustment["applied"] = "after training, by scripts/adjust_robust_prior.py"
        card["logit_adjustment"] = adjustment
        add_evaluation(card, model, test)
        card["robustness"] = robustness_suite({name: model}, source)[name]
        store.save_model(name, model, card, folder=args.models)
        after = card["evaluation"]
        scores = adjustment.get("val_macro_f1", {})
        print(f"{name}: S prior x{adjustment['scale']:g} (validation macro-F1 "
              f"{scores.get(1.0, float('nan')):.4f} -> {scores.get(adjustment['scale'], float('nan')):.4f}); "
              f"DS2 accuracy {before['accuracy']:.4f} -> {after['accuracy']:.4f}, macro-F1 "
              f"{before['macro_f1']:.4f} -> {after['macro_f1']:.4f}, S-F1 "
              f"{before['per_class']['S']['f1']:.4f} -> {after['per_class']['S']['f1']:.4f}, V-F1 "
              f"{before['per_class']['V']['f1']:.4f} -> {after['per_class']['V']['f1']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
