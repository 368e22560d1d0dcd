"""The rules a kernel is checked against: each check's name, what it means, and SPEC's words.

A failing check quotes its rule, so a kernel author who never read our code sees what
was asked of the kernel next to what it did.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    name: str
    title: str  # what passing means, in a few words
    spec: str  # where the rule is written, and its words


RULES = {
    rule.name: rule
    for rule in (
        Rule(
            "manifest",
            "kernel.json is a valid kernel manifest",
            'SPEC 3: "a file kernel.json at the root of the kernel\'s folder" with name, version, '
            "description, image, command, training_types, supported_gpu_count, model_types and a "
            "schema (JSON Schema draft 2020-12) that requires training_type",
        ),
        Rule(
            "manifest.command",
            "kernel.json names a command to run it outside a container",
            "SPEC 3: \"command: the argv list that runs it outside a container, with the kernel's "
            'folder as working directory"',
        ),
        Rule(
            "manifest.defaults",
            "every model type's defaults satisfy the schema",
            'SPEC 3: "model_types: an object from model-type name to its default hyperparameters '
            '(a complete, valid model.json body)"',
        ),
        Rule(
            "manifest.gpu_count",
            "supported_gpu_count is a sane range",
            'SPEC 3: "supported_gpu_count: {"minimum": m, "maximum": n}. The user picks a GPU '
            'count in that range"',
        ),
        Rule(
            "messages.json",
            "every status message is a JSON object with a known cmd and status",
            'SPEC 4: "Each message is a JSON object"; cmd is "training_status" or '
            '"validation_status"; status is "training_ing", "training_done" or "training_error"',
        ),
        Rule(
            "messages.ids",
            "every message carries cmd, project_key and the job's id",
            'SPEC 4: "project_key: the project_key of vlad_training.json; required"; "model_id with '
            'training_status, validation_id with validation_status; required"',
        ),
        Rule(
            "messages.percentage_range",
            "percentage is a number from 0 to 100 in every training_ing",
            'SPEC 4: "percentage: 0 to 100, progress shown to the user"; "A kernel sends '
            'training_ing every step, with percentage and step"',
        ),
        Rule(
            "messages.percentage_order",
            "percentage never decreases",
            'SPEC 4: "percentage: 0 to 100, progress shown to the user" (progress does not go back)',
        ),
        Rule(
            "messages.step_order",
            "step is an integer in every training_ing and never decreases",
            'SPEC 4: "step: current step number (an integer from 0 to 2^63-1)"; "A kernel sends '
            'training_ing every step, with percentage and step"',
        ),
        Rule(
            "outcome.progress",
            "training_ing before the outcome",
            'SPEC 4: "the first training_ing means training has started"; "A kernel sends '
            'training_ing every step"',
        ),
        Rule(
            "outcome.done",
            "exactly one training_done, last, nothing after it",
            'SPEC 4: "At the end it must send training_done and exit. A kernel that ends without '
            'training_done has terminated abnormally"',
        ),
        Rule(
            "outcome.exit_code",
            "exit code 0 after training_done",
            'SPEC 4: "At the end it must send training_done and exit" (a non-zero exit is a crash '
            "to every executor)",
        ),
        Rule(
            "files.metrics",
            "metric files under save/metrics/ parse",
            'SPEC 5: "every regular file there is a graph"; "first line: field names; first '
            "column: the graph's x axis (time or step); each further column: one y series\"",
        ),
        Rule(
            "files.output_written",
            "the model (or the validation result) is written to model_write_path",
            'SPEC 2: "model_write_path: folder where the trained model (or the validation result) '
            'is written"',
        ),
        Rule(
            "files.dataset_untouched",
            "nothing written in dataset_path",
            'SPEC 2: "dataset_path: folder holding the dataset" (the platform\'s data, shared by '
            "jobs: read it, never write it)",
        ),
        Rule(
            "files.temp_path",
            "temp_path left for the platform",
            'SPEC 2: "temp_path: scratch folder for the job. The platform deletes its content as '
            'soon as the job ends" (the kernel leaves the folder to the platform)',
        ),
        Rule(
            "unsupported_version",
            "an unsupported vlad_training_config_version fails with training_error",
            'SPEC 2: "A kernel that does not support the version must fail with an error (a '
            'training_error status)"',
        ),
        Rule(
            "stop",
            "SIGTERM during training ends the process within the grace period",
            "not in SPEC's words; how every executor stops a job: SIGTERM, then SIGKILL after "
            "the grace period (VLAD_STOP_GRACE_SECONDS, 10 s); a kernel that ignores SIGTERM is "
            "killed mid-write",
        ),
        Rule(
            "schema_refusal",
            "hyperparameters that break the kernel's own schema are refused (advice)",
            'SPEC 3: "the platform only passes a model.json that satisfies it" (so this never '
            "happens on the platform; refusing them protects runs started by hand)",
        ),
        Rule(
            "validation",
            "a validation job (validation_type validation) reports validation_status and writes its result",
            "SPEC 2: \"validation_type: validation (compare the model's predictions with the "
            "dataset's labels and report scores)\"; SPEC 4: validation_status with validation_id",
        ),
        Rule(
            "inference",
            "an inference job (validation_type inference) reports validation_status and writes its result",
            'SPEC 2: "inference (run the model over the dataset and write its predictions as '
            'annotations: auto-labeling)"',
        ),
        Rule(
            "further_training",
            "additional training from base_model_path",
            'SPEC 2: "base_model_path: for additional training (fine-tuning from an earlier '
            'model): the folder of the base model"',
        ),
        Rule(
            "resume",
            "a kernel that declares resume continues from resume_path",
            'SPEC 2: "resume_path: optional: a checkpoint folder of this same job to continue from '
            '(automatic resume after a failure)"',
        ),
        Rule(
            "files.graphs",
            "training writes at least one graph (advice)",
            'SPEC 5: "A kernel writes log files under <model_write_path>/save/metrics/; the '
            'platform reads them and draws the training graphs"',
        ),
    )
}
