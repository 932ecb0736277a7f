"""AgentOps Operator: deploys AI agents on Kubernetes as versioned revisions, safely.

The package is named `agentops_operator` (never `operator`, which would shadow the standard
library); its source folder is `operator/` at the repository root.
"""

__version__ = "0.1.0"
