"""kopf wiring: thin handlers that hand every change to the runtime's reconciler."""
