"""The scenario format: types, model, whole-scenario checks, loading and dotted paths."""
from .load import Loaded, load_scenario, load_scenario_text
from .model import Scenario
from .paths import apply_overrides, get_path, parse_assignment, set_path

__all__ = ["Loaded", "Scenario", "apply_overrides", "get_path", "load_scenario", "load_scenario_text",
           "parse_assignment", "set_path"]
