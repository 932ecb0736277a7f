"""`python -m agentops_sandbox.testing up`: start the real local control plane by hand (see `cluster`)."""

from .cluster import main

raise SystemExit(main())
