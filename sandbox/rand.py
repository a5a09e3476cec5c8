"""Counter-based randomness and exact quotas, vectorised over arrays of dossier indices.

A dossier's random draws are a hash of (province seed, index, stream), so any subset of
dossiers can be generated in any order with the same result and without state. Shares the
seeds pin (online rate) use a Beatty-sequence quota instead: exactly floor(K * rate) hits
among the first K ranks, for every K, so the figures hold at any point of the simulated clock.
"""
from __future__ import annotations

import math

import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = (np.uint64(n) for n in (30, 27, 31, 11))
_UNIT = 2.0 ** -53


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijective, well-spread hash of uint64 values."""
    with np.errstate(over="ignore"):
        x = x + GOLDEN
        x = (x ^ (x >> _S30)) * _M1
        x = (x ^ (x >> _S27)) * _M2
    return x ^ (x >> _S31)


class Draws:
    """Independent random streams for a batch of indices: ``bits(k)``, ``uniform(k)``, ``below(k, n)``."""

    def __init__(self, seed: int, indices: np.ndarray):
        self._base = mix(indices.astype(np.uint64) ^ np.uint64(seed & 0xFFFF_FFFF_FFFF_FFFF))

    def bits(self, stream: int) -> np.ndarray:
        with np.errstate(over="ignore"):
            return mix(self._base + np.uint64(stream) * GOLDEN)

    def uniform(self, stream: int) -> np.ndarray:
        return (self.bits(stream) >> _S11).astype(np.float64) * _UNIT

    def below(self, stream: int, n: int) -> np.ndarray:
        return (self.uniform(stream) * n).astype(np.int64)


def quota_hits(ranks: np.ndarray, rate: float) -> np.ndarray:
    """True where rank k is one of the floor(K * rate) hits among ranks [0, K)."""
    return np.floor((ranks + 1) * rate) > np.floor(ranks * rate)


def quota_count(ranks: int, rate: float) -> int:
    """Hits among ranks [0, ranks): telescopes from ``quota_hits``, so the two always agree."""
    return math.floor(ranks * rate)


def quota_count_array(ranks: np.ndarray, rate: float) -> np.ndarray:
    return np.floor(ranks * rate).astype(np.int64)
