"""Near-duplicate passages (boilerplate repeated across pages or documents) are stored once: MinHash + LSH."""

from __future__ import annotations

import re

import numpy as np

NUM_PERM = 64
THRESHOLD = 0.9
SCHEME = "affine32"  # stored signatures are only comparable under the scheme that made them
_WORD = re.compile(r"\w+")


def shingles(text: str, width: int = 5) -> list[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) < width:
        return [" ".join(words).encode()]
    return [" ".join(words[i : i + width]).encode() for i in range(len(words) - width + 1)]


class NearDuplicateIndex:
    """Which stored passage, if any, a new passage nearly repeats (estimated Jaccard >= THRESHOLD)."""

    def __init__(self) -> None:
        from datasketch import MinHashLSH

        self._lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)

    @staticmethod
    def signature(text: str) -> np.ndarray:
        from datasketch import MinHash

        minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
        minhash.update_batch(shingles(text))
        return np.asarray(minhash.hashvalues, dtype=np.uint64)

    def add(self, key: str, signature: np.ndarray) -> None:
        from datasketch import MinHash

        if key not in self._lsh.keys:
            self._lsh.insert(key, MinHash(num_perm=NUM_PERM, hashvalues=signature, scheme=SCHEME))

    def duplicate_of(self, signature: np.ndarray) -> str | None:
        from datasketch import MinHash

        matches = self._lsh.query(MinHash(num_perm=NUM_PERM, hashvalues=signature, scheme=SCHEME))
        return str(sorted(matches)[0]) if matches else None
