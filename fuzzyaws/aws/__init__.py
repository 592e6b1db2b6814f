"""AWS access: credentials and clients (session.py), the plan of accounts × regions
(plan.py), typed errors (errors.py) and what a command uses of them (access.py).
Everything here but errors.py imports boto3: the warm path never imports this package."""
