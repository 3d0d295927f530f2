"""Training one run: what a spec will build (plan.py), how task and loss shape the output
(heads.py), what a family trains and how one step goes (system.py), the training loop
(trainer.py), its statistics and bounded history (telemetry.py), the frozen view the pages and
the CLI draw (snapshot.py), one run on its own thread, driven by commands (runner.py), the same
run in a worker process (remote.py), and which of the two a server uses (backends.py).

Imports: core/, data/ and families/ (which in turn use plan.py, telemetry.py, heads.py and
system.py from here).
"""
