"""The AgentDeployment API: pydantic models for spec and status, and the CRD generated from them."""
