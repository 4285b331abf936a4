"""Ready lessons: short sequences of steps across the pages, each with what to do, questions
for the class and a note for the teacher. Their numbers come from the model cards when the
lesson is shown (``facts``), never written into the text.

    >>> cards = {"cnn": {"evaluation": {"accuracy": 0.9887, "macro_f1": 0.93}}}
    >>> render("{cnn_accuracy} on the Kaggle split", facts(cards))
    '0.989 on the Kaggle split'
    >>> render("{lstm_accuracy}", facts(cards))
    '(not known: its model card is missing)'
"""
from __future__ import annotations

import string
from dataclasses import dataclass

from ecgdash.config import CLASSES

MODELS = ("lstm", "cnn", "lstm_inter", "cnn_inter", "robust_lstm", "robust_cnn")
MISSING = "(not known: its model card is missing)"


@dataclass(frozen=True)
class Step:
    """One step: the page to open (its file, e.g. "pages/quiz.py"), what to do there, questions for the
    class, and the teacher's note (an answer guide)."""

    page: str
    title: str
    do: str
    ask: str
    note: str


@dataclass(frozen=True)
class Lesson:
    title: str
    minutes: int
    goal: str
    steps: tuple[Step, ...]


def facts(cards: dict[str, dict]) -> dict[str, str]:
    """The numbers the lessons quote, formatted, from the cards at hand (``{name: card}``):
    ``<model>_accuracy``, ``<model>_macro_f1``, ``<model>_f1_<class>``, ``<model>_params``,
    ``<model>_best_epoch``, and the template review's F1 after some clicks,
    ``<model>_review_<set>_<class>_<clicks>`` (e.g. ``robust_lstm_review_DS2_S_6``)."""
    out = {}
    for name, card in cards.items():
        ev = card.get("evaluation") or {}
        if "accuracy" in ev:
            out[f"{name}_accuracy"] = f"{ev['accuracy']:.3f}"
        if "macro_f1" in ev:
            out[f"{name}_macro_f1"] = f"{ev['macro_f1']:.3f}"
        for c in CLASSES:
            f1 = ((ev.get("per_class") or {}).get(c) or {}).get("f1")
            if f1 is not None:
                out[f"{name}_f1_{c}"] = f"{f1:.2f}"
        if card.get("params"):
            out[f"{name}_params"] = f"{card['params']:,}"
        if card.get("best_epoch"):
            out[f"{name}_best_epoch"] = str(card["best_epoch"])
        # template review with a simulated reader: <model>_review_<set>_<class>_<clicks>
        for set_name, entry in (card.get("review") or {}).items():
            for clicks, v in (entry.get("clicks") or {}).items():
                for c in "NSV":
                    out[f"{name}_review_{set_name.replace('-', '_')}_{c}_{clicks}"] = f"{v[c]:.2f}"
    return out


class _Facts(dict):
    def __missing__(self, key):
        return MISSING


def render(text: str, known: dict[str, str]) -> str:
    """``text`` with its ``{fact}`` fields filled in (a fact without a card says so)."""
    return string.Formatter().vformat(text, (), _Facts(known))


LESSONS = (
    Lesson(
        "Intra- vs inter-patient: why {cnn_accuracy} falls to {cnn_inter_accuracy}", 45,
        "See why the same recipe scores almost perfectly on the Kaggle split and much lower on "
        "people it has never seen, and what helps.",
        (
            Step("pages/compare.py", "Almost perfect",
                 "Open Compare models on the intra-patient (Kaggle split) test set. Read each "
                 "model's accuracy and macro-F1.",
                 "The CNN's accuracy is {cnn_accuracy}, the LSTM's {lstm_accuracy}. Would you "
                 "trust these models with a patient who walks into the clinic tomorrow?",
                 "The Kaggle split shuffles the beats of the same 47 people into train and test: "
                 "the test beats come from people the models already know. Let the class argue "
                 "before the next step shows the answer."),
            Step("pages/compare.py", "New people",
                 "Switch Compare models to inter-patient DS2 (new patients).",
                 "The same recipe trained on DS1's 22 people scores {cnn_inter_accuracy} (CNN) "
                 "and {lstm_inter_accuracy} (LSTM) on DS2's 22 other people; macro-F1 falls to "
                 "{cnn_inter_macro_f1} and {lstm_inter_macro_f1}. Which classes fall most?",
                 "S beats: F1 {cnn_inter_f1_S} (CNN) and {lstm_inter_f1_S} (LSTM) on DS2. "
                 "Another person's normal beat can look like this person's ectopic one; the rare "
                 "classes suffer most, and accuracy hides it because N is most of the beats."),
            Step("pages/quiz.py", "The class as a cardiologist",
                 "Open the Quiz, set \"a mix of every class\", 10 beats, New set; read the code aloud "
                 "so everyone has the same beats. Answer each beat before the reveal.",
                 "How many of the S beats in the set did the class catch? Did the models do better?",
                 "On a Kaggle row the only clue to an S beat is its shape, and S beats look "
                 "normal: what gives them away is that they come early, which a single row "
                 "does not show."),
            Step("pages/recording.py", "What helps: the person's own rhythm",
                 "Open Recordings, pick an example; the robust pair is the default. Turn on ECG "
                 "paper and measure an RR interval with the caliper.",
                 "The robust pair reads the RR intervals around each beat and this person's "
                 "usual beat. On DS2 it scores {robust_cnn_accuracy} (CNN) and "
                 "{robust_lstm_accuracy} (LSTM), S-F1 {robust_cnn_f1_S} and "
                 "{robust_lstm_f1_S}. Is that good enough for a clinic?",
                 "Better than the shape alone, still far from the Kaggle split's numbers: "
                 "generalising to new people is the hard problem, and the honest number is "
                 "the inter-patient one."),
        )),
    Lesson(
        "Why S beats are hard", 40,
        "See that S beats look normal and are told apart by their timing.",
        (
            Step("pages/explorer.py", "Shape alone",
                 "Score the example on Predict, then open the Beat explorer. Under \"Many beats "
                 "of one class\" put N and S side by side.",
                 "Could you tell an S beat from an N beat by its shape alone?",
                 "The bands overlap a great deal: an S beat starts above the ventricles and is "
                 "conducted like a normal beat, so its QRS looks normal."),
            Step("pages/quiz.py", "Guess them",
                 "Quiz: a mix of every class, 10 beats; then 10 beats the models disagree on.",
                 "Which class did you miss most? Which did the models miss?",
                 "On the Kaggle split the models reach S-F1 {cnn_f1_S} (CNN) and {lstm_f1_S} "
                 "(LSTM) because they know these people; on new people it falls (Compare, DS2)."),
            Step("pages/explorer.py", "Move a beat in time",
                 "Beat explorer, Built DS2 test split (build the data first on Overview if it is "
                 "not there): pick an N beat, look at it in its recording (below the row: is "
                 "there a P wave in the shaded band?), then in the What-if lab make the RR before "
                 "it shorter.",
                 "At what point does the robust LSTM start to call it S? Does the CNN?",
                 "The robust pair reads the RR interval before a beat against the person's "
                 "usual one; the Kaggle-split pair sees only the shape, so the RR sliders are "
                 "off for Kaggle rows."),
            Step("pages/recording.py", "Measure it",
                 "Recordings, an example, ECG paper on: measure the RR before a beat the "
                 "reference calls S and before a normal beat nearby. Then, in the template "
                 "review, open \"All clusters\": is one cluster early?",
                 "How much earlier did the S beat come? How many beats does labelling that "
                 "cluster label at once, and how do the models' calls and F1 change?",
                 "A premature beat comes noticeably earlier than the person's usual interval, "
                 "often followed by a longer pause. That is what a cardiologist reads, and what "
                 "the robust models read too."),
        )),
    Lesson(
        "What each model looks at", 40,
        "Compare what an LSTM and a CNN learn from the same beats.",
        (
            Step("pages/learn.py", "Two architectures",
                 "Open Learn: parameters, receptive field and memory.",
                 "The LSTM has {lstm_params} parameters, the CNN {cnn_params}. Which would you "
                 "expect to learn faster, and why?",
                 "The CNN's best epoch was {cnn_best_epoch}, the LSTM's {lstm_best_epoch} (their "
                 "cards). Convolutions share their weights along the beat and see local shapes; "
                 "the LSTM reads the beat sample by sample."),
            Step("pages/explorer.py", "Where they look",
                 "Beat explorer: pick a beat the models disagree on, turn on \"Explain this "
                 "beat\".",
                 "Which samples pushed each model towards its call? Are they the same?",
                 "Integrated gradients: red pushed towards the class, blue away. The CNN tends "
                 "to light up local shapes (the QRS, the T wave); the LSTM spreads its attribution "
                 "over the beat. The grey band is padding, not signal."),
            Step("pages/explorer.py", "Change the beat",
                 "In the What-if lab widen the QRS step by step, then flip the beat; turn on "
                 "\"How each model's explanation changes\".",
                 "Which model changes its mind first? Does flipping matter? Does the red move "
                 "with the QRS?",
                 "A wide QRS is the mark of a ventricular beat; watching which model follows it "
                 "shows what each has learned. Amplitude alone changes nothing: every beat is "
                 "scaled to [0, 1]."),
            Step("pages/predict.py", "The whole file",
                 "Predict, the example: click a cell of each confusion matrix where the models "
                 "differ most.",
                 "Do the beats one model gets wrong look alike?",
                 "Galleries of one cell often show a pattern (noise, an unusual shape, a beat "
                 "cut off early) that a single number hides."),
        )),
    Lesson(
        "A few clicks against a network trained on many people", 35,
        "See what a person's knowledge adds to the models, and where one click per group is not enough.",
        (
            Step("pages/recording.py", "The models alone",
                 "Open Recordings, An example, \"MIT-BIH record 232\" (a person neither robust model "
                 "trained on). Read the counts and \"Each model against the reference labels\".",
                 "How many of the S beats does each model find? Would you sign this report?",
                 "On DS2's 22 new people the robust LSTM's S-F1 is {robust_lstm_review_DS2_S_0} and "
                 "the robust CNN's {robust_cnn_review_DS2_S_0} (their cards): both miss many early "
                 "beats of a person they never saw."),
            Step("pages/recording.py", "Label groups, not beats",
                 "In the template review, read the first question aloud and let the class answer it "
                 "from the median beat and its timing; click the class's answer. Do three.",
                 "How many beats did three clicks label? How did each model's F1 of S and V change?",
                 "Every beat of a group takes the answer; the models' calls follow. The questions after "
                 "the first clusters are the parts a model disputes: the class decides there too."),
            Step("pages/learn.py", "Measured on many recordings",
                 "Open Learn, section 7: F1 of S and V against clicks per recording.",
                 "After 6 clicks the robust LSTM's S-F1 on DS2 is {robust_lstm_review_DS2_S_6} (from "
                 "{robust_lstm_review_DS2_S_0}), the CNN's {robust_cnn_review_DS2_S_6} (from "
                 "{robust_cnn_review_DS2_S_0}). Why do the two models' curves meet?",
                 "From about 6 clicks nearly every beat has a person's label, so both models' calls "
                 "are the labels. The figures come from a simulated reader who always names a group's "
                 "majority class: a real reader can be wrong, and can do better."),
            Step("pages/recording.py", "Where one click is not enough",
                 "Back on Recordings, open \"All clusters\": find a cluster whose label counts mix "
                 "classes, or split one in two, and compare the halves' median beats and timing.",
                 "Which beats inside a group does a majority answer label wrong? How would you find them?",
                 "A group's exceptions take its label: that is why 12 clicks stop at S-F1 "
                 "{robust_lstm_review_DS2_S_12} on DS2. Clinicians look at such beats one by one: "
                 "select one in the beat table and label it yourself."),
        )),
)
