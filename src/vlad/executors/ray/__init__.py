"""The Ray executor: each kernel is a job of a Ray cluster, through the Ray Jobs API
(`pip install vlad[ray]`). The cluster's nodes must see the platform's file system at the
same paths (the job's folders and the config file are passed as paths, not uploaded)."""
