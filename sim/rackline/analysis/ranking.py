"""The bottleneck ranking: one row per station, ranked by its share of the measured
time as the sole or shifting bottleneck (active-period method), with what it
waits on and where that comes from. Built once per run; the headline, the
warnings and the results folder all read it."""
from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from rackline.engine.records import StationRecord
from rackline.scenario.model import Scenario
from rackline.states import STATES

RANKING_COLUMNS = ["rank", "station", "site", "servers", *(f"share_{s}" for s in STATES), "utilization",
                   "throughput_per_week", "bottleneck_sole", "bottleneck_sole_hw", "bottleneck_shifting",
                   "bottleneck_shifting_hw", "starved_on", "starved_on_source", "time_in_station_h", "little_gap",
                   "window_start_h", "bottleneck_score"]


def rank_bottlenecks(stations: pd.DataFrame, facts: Mapping[str, StationRecord], sc: Scenario) -> pd.DataFrame:
    """Rank stations from their summarised metrics (`station, metric, mean, half_width`)."""
    wide = stations.pivot(index="station", columns="metric", values="mean")
    hw = stations.pivot(index="station", columns="metric", values="half_width")
    rows = []
    for key in wide.index:
        r = {"station": key, "site": facts[key].site, "servers": facts[key].servers}
        for s in STATES:
            r[f"share_{s}"] = wide.loc[key].get(f"share_{s}", 0.0)
        r["utilization"] = r["share_busy"]
        r["throughput_per_week"] = wide.loc[key].get("throughput_per_week", 0.0)
        r["bottleneck_sole"] = wide.loc[key].get("bottleneck_sole", 0.0)
        r["bottleneck_sole_hw"] = hw.loc[key].get("bottleneck_sole", math.nan)
        r["bottleneck_shifting"] = wide.loc[key].get("bottleneck_shifting", 0.0)
        r["bottleneck_shifting_hw"] = hw.loc[key].get("bottleneck_shifting", math.nan)
        starved = {c.split(":", 1)[1]: v for c, v in wide.loc[key].items() if c.startswith("starved_on:")
                   and pd.notna(v) and v > 0}
        top = max(starved, key=starved.__getitem__) if starved else ""
        r["starved_on"] = top
        r["starved_on_source"] = source_of(sc, r["site"], top) if top else ""
        r["time_in_station_h"] = wide.loc[key].get("time_in_station_h", math.nan)
        r["little_gap"] = wide.loc[key].get("little_gap", math.nan)
        r["window_start_h"] = wide.loc[key].get("window_start_h", 0.0)
        rows.append(r)
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=RANKING_COLUMNS)
    df["bottleneck_score"] = df.bottleneck_sole + df.bottleneck_shifting
    df = df.sort_values(["bottleneck_score", "utilization", "station"], ascending=[False, False, True])
    df.insert(0, "rank", range(1, len(df) + 1))
    return df.reset_index(drop=True)[RANKING_COLUMNS]


def source_of(sc: Scenario, site: str, item: str) -> str:
    """Where `item` comes from at `site`: suppliers, upstream stations or lanes."""
    parts = []
    inv = sc.sites[site].inventories.get(item)
    if inv is not None and inv.suppliers:
        parts += [f"supplier {s}" for s, _ in sorted(inv.suppliers.items(), key=lambda kv: -kv[1])]
    parts += [f"station {site}.{n}" for n, st in sc.sites[site].stations.items() if item in st.recipes()]
    parts += [f"lane {n} from {ln.origin}" for n, ln in sc.lanes.items() if ln.to == site and ln.item == item]
    return ", ".join(parts)
