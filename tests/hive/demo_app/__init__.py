"""A stand-in for an app that is yet to come: installed only by tests/hive/test_demo.py,
it has a demo module and nothing else."""
