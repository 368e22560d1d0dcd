"""The command kernel: runs a DLaaS model definition's program and reports on its behalf."""
