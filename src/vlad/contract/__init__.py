"""The wire contract of SPEC.md, in one place.

Used by the kernel SDK, the platform and the tests alike. Input models tolerate
unknown fields (kernels and platforms are written by others); output is produced
from these models only, so nothing is invented on the wire.
"""

from vlad.contract.hyperparameters import SchemaViolation, check_hyperparameters
from vlad.contract.manifest import GpuRange, KernelManifest, Resources
from vlad.contract.metrics import MetricSeries, format_metric_row, parse_metric_csv
from vlad.contract.status import (
    STATUS_FOR_CMD,
    Command,
    Status,
    StatusMessage,
)
from vlad.contract.training_config import (
    SUPPORTED_CONFIG_VERSIONS,
    ModelJson,
    Operation,
    TrainingConfig,
    ValidationType,
)

__all__ = [
    "STATUS_FOR_CMD",
    "SUPPORTED_CONFIG_VERSIONS",
    "Command",
    "GpuRange",
    "KernelManifest",
    "MetricSeries",
    "Resources",
    "ModelJson",
    "Operation",
    "SchemaViolation",
    "Status",
    "StatusMessage",
    "TrainingConfig",
    "ValidationType",
    "check_hyperparameters",
    "format_metric_row",
    "parse_metric_csv",
]
