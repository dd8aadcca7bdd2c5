"""Named probability distributions for times and quantities.

A scenario writes `{dist: lognormal, mean: 6 w, cv: 0.3}`; a plain `2 h` means a
fixed value. Each distribution knows its analytic mean and variance (tests compare
samples against them) and makes a `Sampler` that draws from one numpy Generator in
blocks, because drawing scalars one at a time costs more than the simulation.
The same classes serve durations (parameters in hours) and counts (plain numbers):
`DurationDist` and `CountDist` differ only in the parameter type.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from rackline.scenario.values import Duration, Number, expected

if TYPE_CHECKING:
    from typing_extensions import Self  # pydantic's validators return the model

if TYPE_CHECKING:   # numpy is imported where a draw needs it: `rackline validate` never does
    import numpy as np

P = TypeVar("P", bound=float)   # hours (durations) or plain numbers (counts)


class _Dist(BaseModel, Generic[P]):
    model_config = ConfigDict(extra="forbid")

    def mean(self) -> float:
        raise NotImplementedError

    def variance(self) -> float:
        raise NotImplementedError

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        raise NotImplementedError


class Fixed(_Dist[P]):
    dist: Literal["fixed"]
    value: P

    def mean(self) -> float: return float(self.value)
    def variance(self) -> float: return 0.0
    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        import numpy as np
        return np.full(n, float(self.value))


class Exponential(_Dist[P]):
    dist: Literal["exponential"]
    mean_: P = Field(alias="mean")

    def mean(self) -> float: return float(self.mean_)
    def variance(self) -> float: return float(self.mean_) ** 2
    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray: return rng.exponential(float(self.mean_), n)

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if self.mean_ <= 0:
            raise expected("mean > 0")
        return self


class Uniform(_Dist[P]):
    dist: Literal["uniform"]
    low: P
    high: P

    def mean(self) -> float: return (self.low + self.high) / 2
    def variance(self) -> float: return (self.high - self.low) ** 2 / 12
    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray: return rng.uniform(self.low, self.high, n)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not 0 <= self.low <= self.high:
            raise expected("0 <= low <= high")
        return self


class Triangular(_Dist[P]):
    dist: Literal["triangular"]
    low: P
    mode: P
    high: P

    def mean(self) -> float: return (self.low + self.mode + self.high) / 3
    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18
    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.high == self.low:
            import numpy as np
            return np.full(n, float(self.low))
        return rng.triangular(self.low, self.mode, self.high, n)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not 0 <= self.low <= self.mode <= self.high:
            raise expected("0 <= low <= mode <= high")
        return self


class Normal(_Dist[P]):
    """Normal truncated at 0 (times can't be negative): negative draws are redrawn."""

    dist: Literal["normal"]
    mean_: P = Field(alias="mean")
    sd: P

    def _alpha(self) -> float:
        return -self.mean_ / self.sd if self.sd > 0 else -math.inf

    def mean(self) -> float:
        if self.sd == 0:
            return float(self.mean_)
        a = self._alpha()
        pdf = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
        return self.mean_ + self.sd * pdf / (1 - _phi(a))

    def variance(self) -> float:
        if self.sd == 0:
            return 0.0
        a = self._alpha()
        pdf = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
        lam = pdf / (1 - _phi(a))
        return self.sd ** 2 * (1 + a * lam - lam * lam)

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        x = rng.normal(self.mean_, self.sd, n)
        bad = x < 0
        while bad.any():
            x[bad] = rng.normal(self.mean_, self.sd, int(bad.sum()))
            bad = x < 0
        return x

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.mean_ <= 0 or self.sd < 0:
            raise expected("mean > 0 and sd >= 0")
        return self


class LogNormal(_Dist[P]):
    """Lognormal by its own mean and coefficient of variation, as planners quote it."""

    dist: Literal["lognormal"]
    mean_: P = Field(alias="mean")
    cv: Number

    def mean(self) -> float: return float(self.mean_)
    def variance(self) -> float: return (self.cv * self.mean_) ** 2
    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        s2 = math.log1p(self.cv ** 2)
        return rng.lognormal(math.log(self.mean_) - s2 / 2, math.sqrt(s2), n)

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.mean_ <= 0 or self.cv < 0:
            raise expected("mean > 0 and cv >= 0")
        return self


class Gamma(_Dist[P]):
    """Gamma by mean and cv (shape = 1/cv^2): cv=1 is exponential, small cv is nearly fixed."""

    dist: Literal["gamma"]
    mean_: P = Field(alias="mean")
    cv: Number

    def mean(self) -> float: return float(self.mean_)
    def variance(self) -> float: return (self.cv * self.mean_) ** 2
    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.cv == 0:
            import numpy as np
            return np.full(n, float(self.mean_))
        k = 1 / self.cv ** 2
        return rng.gamma(k, self.mean_ / k, n)

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.mean_ <= 0 or self.cv < 0:
            raise expected("mean > 0 and cv >= 0")
        return self


class Weibull(_Dist[P]):
    dist: Literal["weibull"]
    shape: Number
    scale: P

    def mean(self) -> float: return self.scale * math.gamma(1 + 1 / self.shape)
    def variance(self) -> float:
        g1, g2 = math.gamma(1 + 1 / self.shape), math.gamma(1 + 2 / self.shape)
        return self.scale ** 2 * (g2 - g1 * g1)
    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray: return self.scale * rng.weibull(self.shape, n)

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.shape <= 0 or self.scale <= 0:
            raise expected("shape > 0 and scale > 0")
        return self


class Empirical(_Dist[P]):
    """Observed values, drawn with equal (or given) weights."""

    dist: Literal["empirical"]
    values: list[P]
    weights: list[Number] | None = None

    def _p(self) -> np.ndarray:
        import numpy as np
        if self.weights is None:
            return np.full(len(self.values), 1 / len(self.values))
        w = np.asarray(self.weights, float)
        return np.asarray(w / w.sum(), dtype=float)

    def mean(self) -> float:
        import numpy as np
        return float(np.dot(self._p(), self.values))
    def variance(self) -> float:
        import numpy as np
        v = np.asarray(self.values, float)
        return float(np.dot(self._p(), (v - self.mean()) ** 2))
    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        import numpy as np
        return rng.choice(np.asarray(self.values, float), n, p=self._p())

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if not self.values:
            raise expected("at least one value")
        if any(v < 0 for v in self.values):
            raise expected("values >= 0")
        if self.weights is not None and (len(self.weights) != len(self.values)
                                         or any(w < 0 for w in self.weights) or sum(self.weights) <= 0):
            raise expected("one weight >= 0 per value, not all zero")
        return self


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


DIST_NAMES = ("fixed", "exponential", "uniform", "triangular", "normal", "lognormal", "gamma", "weibull", "empirical")


def _shorthand(kind: str) -> BeforeValidator:
    """`2 h` (or `3` for counts) means a fixed value; a mapping must name its `dist`."""

    def convert(v: Any) -> Any:
        if isinstance(v, dict):
            if "dist" not in v:
                raise expected(f"a distribution mapping with 'dist:' (one of {', '.join(DIST_NAMES)})")
            if v["dist"] not in DIST_NAMES:
                raise expected(f"'dist' to be one of {', '.join(DIST_NAMES)}")
            return v
        return {"dist": "fixed", "value": v}

    return BeforeValidator(convert)


DurationDist = Annotated[
    Fixed[Duration] | Exponential[Duration] | Uniform[Duration] | Triangular[Duration] | Normal[Duration]
    | LogNormal[Duration] | Gamma[Duration] | Weibull[Duration] | Empirical[Duration],
    Field(discriminator="dist"), _shorthand("duration")]
CountDist = Annotated[
    Fixed[Number] | Exponential[Number] | Uniform[Number] | Triangular[Number] | Normal[Number]
    | LogNormal[Number] | Gamma[Number] | Weibull[Number] | Empirical[Number],
    Field(discriminator="dist"), _shorthand("count")]


class Blocks:
    """Scalar draws from a numpy draw function (`rng.standard_exponential`), made a block
    at a time; a block consumes the stream exactly as the same number of scalar draws."""

    __slots__ = ("_draw", "_buf", "_i")

    def __init__(self, draw: Callable[[int], np.ndarray], block: int = 512) -> None:
        self._draw: Callable[[], list[float]] = lambda: draw(block).tolist()
        self._buf: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        if self._i >= len(self._buf):
            self._buf = self._draw()
            self._i = 0
        self._i += 1
        return self._buf[self._i - 1]


class Sampler(Blocks):
    """Draws from one distribution with one Generator, a block at a time (a fixed
    value is returned without drawing)."""

    __slots__ = ("_fixed",)

    BLOCK = 512

    def __init__(self, dist: _Dist[Any], rng: np.random.Generator) -> None:
        super().__init__(lambda n: dist.draw(rng, n), self.BLOCK)
        self._fixed = float(dist.value) if isinstance(dist, Fixed) else None

    def __call__(self) -> float:
        if self._fixed is not None:
            return self._fixed
        i = self._i                      # Blocks.__call__, inlined: one call per draw on the engine's hot path
        if i >= len(self._buf):
            self._buf = self._draw()
            i = 0
        self._i = i + 1
        return self._buf[i]
