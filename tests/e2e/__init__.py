"""End-to-end tests: real processes together (desk and central, killed desks, the CLI, a
print queue)."""
