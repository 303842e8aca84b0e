import itertools

import pytest
import torch

from luodi.nlu.model import BioCrf, bio_transition_mask

TAGS = ["O", "B-x", "I-x"]


def test_bio_mask_forbids_i_without_its_chunk() -> None:
    allowed, starts = bio_transition_mask(["O", "B-x", "I-x", "B-y", "I-y"])
    assert not allowed[0, 2]  # O -> I-x
    assert allowed[1, 2] and allowed[2, 2]  # B-x -> I-x, I-x -> I-x
    assert not allowed[1, 4]  # B-x -> I-y
    assert starts.tolist() == [True, True, False, True, False]


def _path_score(crf: BioCrf, emissions: torch.Tensor, path: tuple[int, ...]) -> torch.Tensor:
    transitions, start = crf._potentials()
    score = start[path[0]] + emissions[0, path[0]] + crf.end[path[-1]]
    for i in range(1, len(path)):
        score = score + transitions[path[i - 1], path[i]] + emissions[i, path[i]]
    return score


def test_negative_log_likelihood_matches_brute_force_enumeration() -> None:
    torch.manual_seed(0)
    crf = BioCrf(TAGS)
    with torch.no_grad():
        crf.transitions.normal_()
        crf.start.normal_()
        crf.end.normal_()
    emissions = torch.randn(1, 3, 3)
    gold = (1, 2, 0)
    all_paths = [_path_score(crf, emissions[0], p) for p in itertools.product(range(3), repeat=3)]
    expected = torch.logsumexp(torch.stack(all_paths), 0) - _path_score(crf, emissions[0], gold)
    mask = torch.ones(1, 3, dtype=torch.bool)
    assert crf.neg_log_likelihood(emissions, torch.tensor([gold]), mask).item() == pytest.approx(
        expected.item(), abs=1e-4
    )
    best = max(itertools.product(range(3), repeat=3), key=lambda p: _path_score(crf, emissions[0], p).item())
    assert crf.decode(emissions, mask) == [list(best)]


def test_padding_does_not_change_the_loss_or_the_path() -> None:
    torch.manual_seed(1)
    crf = BioCrf(TAGS)
    short = torch.randn(1, 2, 3)
    padded = torch.cat([short, torch.randn(1, 3, 3)], dim=1)
    tags = torch.tensor([[1, 2]])
    padded_tags = torch.tensor([[1, 2, 0, 0, 0]])
    mask = torch.tensor([[True, True, False, False, False]])
    full = torch.ones(1, 2, dtype=torch.bool)
    assert crf.neg_log_likelihood(padded, padded_tags, mask).item() == pytest.approx(
        crf.neg_log_likelihood(short, tags, full).item(), abs=1e-5
    )
    assert crf.decode(padded, mask) == crf.decode(short, full)


def test_decoding_keeps_bio_valid_even_when_emissions_prefer_invalid_tags() -> None:
    crf = BioCrf(TAGS)
    emissions = torch.tensor([[[0.0, 0.0, 5.0], [5.0, 0.0, 0.0], [0.0, 0.0, 5.0]]])  # wants I-x, O, I-x
    path = crf.decode(emissions, torch.ones(1, 3, dtype=torch.bool))[0]
    for previous, tag in zip([None, *path], path, strict=False):
        assert not (tag == 2 and previous not in (1, 2))
