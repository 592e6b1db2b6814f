"""Collecting resources from AWS (session, refresh, one module per service) and reading them back."""
