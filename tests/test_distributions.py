"""Each distribution's analytic mean and variance against the moments of its own draws
(as Ciw tests its distributions): a wrong formula or a wrong parametrisation of the
numpy draw shows up as a gap far beyond sampling error."""
from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter

from rackline.scenario.distributions import CountDist

CASES = [
    {"dist": "fixed", "value": 3},
    {"dist": "exponential", "mean": 2.0},
    {"dist": "uniform", "low": 1, "high": 4},
    {"dist": "triangular", "low": 1, "mode": 2, "high": 6},
    {"dist": "normal", "mean": 1.0, "sd": 1.0},          # truncated at 0: the truncation moves both moments
    {"dist": "normal", "mean": 10.0, "sd": 0.0},
    {"dist": "lognormal", "mean": 5.0, "cv": 0.5},
    {"dist": "gamma", "mean": 3.0, "cv": 0.7},
    {"dist": "weibull", "shape": 1.5, "scale": 2.0},
    {"dist": "empirical", "values": [1, 2, 10], "weights": [3, 1, 1]},
]
N = 400_000


@pytest.mark.parametrize("spec", CASES, ids=lambda s: s["dist"] + ("" if s["dist"] != "normal" else f"-sd{s['sd']}"))
def test_analytic_moments_match_the_draws(spec):
    d = TypeAdapter(CountDist).validate_python(spec)
    x = d.draw(np.random.default_rng(2024), N)
    mean, var = d.mean(), d.variance()
    assert (x >= 0).all()
    assert abs(x.mean() - mean) <= 4 * math.sqrt(var / N) + 1e-12
    assert x.var(ddof=1) == pytest.approx(var, rel=0.02, abs=1e-12)


def test_truncated_normal_moments_by_hand():
    # mean 1, sd 1 truncated at 0: alpha = -1, lambda = phi(1) / Phi(1) = 0.2420 / 0.8413 = 0.2876
    d = TypeAdapter(CountDist).validate_python({"dist": "normal", "mean": 1.0, "sd": 1.0})
    lam = math.exp(-0.5) / math.sqrt(2 * math.pi) / (0.5 * (1 + math.erf(1 / math.sqrt(2))))
    assert d.mean() == pytest.approx(1 + lam)
    assert d.variance() == pytest.approx(1 - lam - lam * lam)
