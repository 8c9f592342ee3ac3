"""Benchmarks: `make bench` (python -m benchmarks). Ratios against baselines from the same
run, because these machines are noisy."""
