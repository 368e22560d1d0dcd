"""DLaaS-style jobs (SPEC section 7, seed 003), the half that stands alone: the manifest's
models and checks (`manifest`), the model definition .zip (`archive`) and its command
(`command`). The command kernel uses them inside a job, so nothing here imports the server;
the platform's side (submitting, listing, the data and results transfers) is
`vlad.server.services.dlaas*`, its API answers `vlad.server.schemas.dlaas`.
"""
