"""The local-process executor: each kernel runs as a process of this machine, under a
small supervisor that outlives the platform and records the kernel's exit code."""
