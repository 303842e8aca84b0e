"""Learned yes/no decisions over sparse features: logistic regression trained with scikit-learn, served as a plain
weight table so that one decision costs a few dictionary lookups (no sklearn call on the hot path).

A scenario's understander proposes candidates (this slot could take this value, for these reasons) and asks one
model per slot whether the user meant it. What the model learns are the conventions no lexicon states: when
"a pad in chengdu" also fixes the category, when a question about delivery is also a wish for it, when accepting
an offer chooses the item offered. Training is seconds on a few thousand candidates.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

Example = tuple[Sequence[str], bool]  # the candidate's features, and whether the gold state took it


@dataclass(frozen=True)
class Decision:
    weights: Mapping[str, float]
    bias: float

    def probability(self, features: Iterable[str]) -> float:
        score = self.bias + sum(self.weights.get(f, 0.0) for f in set(features))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score))))

    @classmethod
    def constant(cls, answer: bool) -> Decision:
        return cls({}, 30.0 if answer else -30.0)


@dataclass(frozen=True)
class DecisionSet:
    """One decision per name (a slot), saved as JSON."""

    decisions: Mapping[str, Decision]
    meta: Mapping[str, str] = field(default_factory=dict)

    def probability(self, name: str, features: Iterable[str]) -> float:
        decision = self.decisions.get(name)
        return decision.probability(features) if decision is not None else 0.0

    def save(self, path: Path) -> Path:
        data = {"meta": dict(self.meta), "decisions": {
            name: {"bias": d.bias, "weights": dict(d.weights)} for name, d in self.decisions.items()}}
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".partial")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out)
        os.replace(partial, path)  # a concurrent reader never sees half a model
        return path

    @classmethod
    def load(cls, path: Path) -> DecisionSet:
        """The model saved at `path`; ValueError naming the file when it is not one."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            decisions = {name: Decision({str(f): float(w) for f, w in d["weights"].items()}, float(d["bias"]))
                         for name, d in data["decisions"].items()}
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ValueError(f"{path} is not a decisions model ({type(exc).__name__}: {exc})") from exc
        return cls(decisions, data.get("meta", {}))


def train_decision(examples: Sequence[Example], regularization: float = 1.0) -> Decision:
    """Logistic regression (L2) on binary features; a constant when the examples all agree."""
    labels = [label for _, label in examples]
    if not labels or all(labels) or not any(labels):
        return Decision.constant(bool(labels) and all(labels))
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform([dict.fromkeys(features, 1) for features, _ in examples])
    model = LogisticRegression(C=regularization, max_iter=2000).fit(matrix, labels)
    weights = {name: float(w) for name, w in zip(vectorizer.get_feature_names_out(), model.coef_[0], strict=True)
               if abs(w) > 1e-6}
    return Decision(weights, float(model.intercept_[0]))


def train_decisions(examples: Mapping[str, Sequence[Example]], regularization: float = 1.0,
                    meta: Mapping[str, str] | None = None) -> DecisionSet:
    return DecisionSet({name: train_decision(rows, regularization) for name, rows in examples.items()}, meta or {})


def model_cache() -> Path:
    """Where trained understander models are cached: $LUODI_CACHE/models, by default ~/.cache/luodi/models."""
    return Path(os.environ.get("LUODI_CACHE", Path.home() / ".cache" / "luodi")) / "models"


def fingerprint(*parts: object) -> str:
    """A short stable hash of what a model was trained from (data, features version, lexicon), for cache names."""
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()[:16]
