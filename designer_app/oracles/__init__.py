"""Oracles: what measures a candidate. Built-in RDKit scores, Python functions, external commands,
plug-ins from the `designer_app.oracles` entry-point group, and the manual (lab) oracle.

Start with `parse_oracle(spec)`; `list_oracles()` lists what a spec can name.
"""

from designer_app.oracles.builtin import BUILTIN_SCORES, BuiltinOracle, BuiltinScore
from designer_app.oracles.command_oracle import DEFAULT_TIMEOUT_S, CommandOracle
from designer_app.oracles.errors import OracleSpecError
from designer_app.oracles.manual import ManualOracle, ManualOracleError
from designer_app.oracles.python_oracle import PythonOracle, WrappedOracle
from designer_app.oracles.registry import ENTRY_POINT_GROUP, list_oracles, oracle_from_object, parse_oracle

__all__ = [
    "BUILTIN_SCORES",
    "BuiltinOracle",
    "BuiltinScore",
    "CommandOracle",
    "DEFAULT_TIMEOUT_S",
    "ENTRY_POINT_GROUP",
    "ManualOracle",
    "ManualOracleError",
    "OracleSpecError",
    "PythonOracle",
    "WrappedOracle",
    "list_oracles",
    "oracle_from_object",
    "parse_oracle",
]
