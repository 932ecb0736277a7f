"""The Kubernetes adapter: an async HTTP client for the API server and the Workloads port on it."""
