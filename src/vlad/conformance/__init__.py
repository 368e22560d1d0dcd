"""The kernel checker: run a kernel on this machine through the scenarios of the contract
(SPEC sections 2 to 5) and report each rule as passed or failed, with what was seen.

`vlad kernel check` runs it (`vlad.devtools.kernel_check`, which starts a broker when none
is given); the platform runs its fast mode when a kernel is registered with ?check=true
(`vlad.server.services.kernel_checks`, on the platform's broker). It takes a broker's URL
and starts no broker itself.

Each scenario is a `vlad kernel run` job (`KernelRun`: its own folder, its own queue on
one broker, the demo digits dataset when none is given) with one thing changed:

- training: the first model type's defaults (with the caller's overrides);
- unsupported_version: vlad_training_config_version "999.0";
- schema_refusal: a model.json that breaks the kernel's own schema (advice only: the
  platform never sends one);
- stop: SIGTERM after the first status message; the process must end within the grace;
- further_training: base_model_path = the training scenario's model_write_path;
- validation and inference: base_model_path = the same, validation_type set;
- resume: resume_path = the stopped run's model_write_path, same model_id.

Fast mode (for registration) runs the manifest, training and unsupported_version only.

Decisions (SPEC leaves them open):
- Validation and inference. A kernel may list what it supports in kernel.json as
  `"validation_types": ["validation", "inference"]` (an added manifest field, which SPEC 3
  allows). Listed types must end with training_done; unlisted ones are not run. Without the
  field both are tried, and an answer other than training_done (the SDK answers
  training_error "This kernel does not support the operation 'validation'") is reported as
  advice, "not supported", not as a failure.
- Resume is checked only when kernel.json has `"resume": true`: the kernel reads
  `resume_path`. It passes when the resumed run's first step is past a fresh run's first
  step (or it reports none and goes straight to training_done).
- Checks are rules, not scenarios: `messages.*` look at every message of every run but
  schema_refusal; `outcome.*`, `files.metrics` and `files.output_written` at the runs that
  should succeed (training, further_training, supported validation types, resume);
  `files.dataset_untouched` and `files.temp_path` at every run. A rule broken in several
  scenarios is one failed check naming each.
- Advice (`advice: true`) never fails the kernel: schema_refusal, files.graphs, validation
  or inference not supported, and a stop or resume that could not be tested.
"""

from vlad.conformance.check import CheckError, check_kernel
from vlad.conformance.report import Check, Report

__all__ = ["Check", "CheckError", "Report", "check_kernel"]
