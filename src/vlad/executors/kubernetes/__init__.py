"""The Kubernetes executor: each kernel runs as a batch/v1 Job of a cluster, through the
official client (`pip install vlad[kubernetes]`). Not yet tried on a live cluster."""
