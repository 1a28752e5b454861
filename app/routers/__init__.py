"""REST routers: parse input, call a service, shape output. Nothing else."""
