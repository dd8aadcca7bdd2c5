"""The scenario format: types, model, whole-scenario checks, loading and dotted paths."""
from rackline.scenario.load import Loaded, load_scenario, load_scenario_text
from rackline.scenario.model import Scenario
from rackline.scenario.paths import apply_overrides, get_path, parse_assignment, set_path

__all__ = ["Loaded", "Scenario", "apply_overrides", "get_path", "load_scenario", "load_scenario_text",
           "parse_assignment", "set_path"]
