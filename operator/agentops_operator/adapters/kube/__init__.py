"""The Kubernetes adapter: an async HTTP client for the API server and the Agents and ChildObjects ports on it."""
