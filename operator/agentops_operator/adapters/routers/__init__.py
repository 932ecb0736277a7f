"""Traffic routers: Gateway API HTTPRoute and Istio VirtualService."""
