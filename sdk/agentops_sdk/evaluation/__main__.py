"""`python -m agentops_sdk.evaluation` is `agentops-eval`."""

import sys

from .cli import main

sys.exit(main())
