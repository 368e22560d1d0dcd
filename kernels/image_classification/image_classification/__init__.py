"""The reference image-classification kernel: a PyTorch classifier on the VLAD kernel SDK.

The training core (`train.fit`, `validate.evaluate`, `validate.infer`) takes plain paths and
callbacks and knows nothing of the SDK; `__main__` adapts it to a `vlad.kernel.Job`.
"""

__version__ = "1.0.0"
