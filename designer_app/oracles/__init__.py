"""Oracles: what measures a candidate. Every kind - built-in scores, Python functions, external commands, the
manual (lab) oracle and plug-ins - is an entry of the `designer_app.oracles` entry-point group.

Start with `parse_oracle(spec)`; `list_oracles()` lists what a spec can name.
"""

from designer_app.oracles.builtin import BUILTIN_SCORES, BuiltinOracle, BuiltinScore
from designer_app.oracles.command_oracle import DEFAULT_TIMEOUT_S, CommandOracle
from designer_app.oracles.errors import OracleSpecError
from designer_app.oracles.kinds import OracleKind, OracleRequest
from designer_app.oracles.manual import ManualOracle, ManualOracleError
from designer_app.oracles.python_oracle import PythonOracle, WrappedOracle
from designer_app.oracles.registry import (
    ENTRY_POINT_GROUP,
    OracleForm,
    list_oracles,
    oracle_forms,
    oracle_from_object,
    parse_oracle,
)

__all__ = [
    "BUILTIN_SCORES",
    "BuiltinOracle",
    "BuiltinScore",
    "CommandOracle",
    "DEFAULT_TIMEOUT_S",
    "ENTRY_POINT_GROUP",
    "ManualOracle",
    "ManualOracleError",
    "OracleForm",
    "OracleKind",
    "OracleRequest",
    "OracleSpecError",
    "PythonOracle",
    "WrappedOracle",
    "list_oracles",
    "oracle_forms",
    "oracle_from_object",
    "parse_oracle",
]
