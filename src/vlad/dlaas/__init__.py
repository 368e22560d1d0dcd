"""DLaaS-style jobs (SPEC section 7, seed 003): a model definition .zip and a YAML manifest.

`manifest` (the manifest's models and checks), `archive` and `command` (standard library
only: the command kernel uses them too), `service` (submitting, listing, forgetting),
`lifecycle` (data in before a job starts, results out after it ends), `schemas` (API answers).
"""
