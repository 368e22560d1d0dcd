"""The container executor: each kernel runs as a container of its image, through the
Docker Engine API (`pip install vlad[docker]`; Podman's compatible service counts)."""
