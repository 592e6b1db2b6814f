"""What connect, tunnel and run do, as plans (argv lists, API parameters) that tests check."""
