"""The core everything else stands on: the experiment spec and its settings (spec.py,
params.py), the registry of named choices (catalog.py: activations, losses, optimizers,
schedules, inits, layers, families), the devices a run may train on (devices.py), the
presets, the bounds on values from outside (untrusted.py), each run's private random state
(rng.py), how runs share the server (server_share.py), a training job on its own thread
(jobs.py) and worker processes that host jobs off the server's interpreter (workers.py).

Imports: nothing of the package outside core/. One exception, at call time only:
DataSpec.from_dict asks data/ whether a data set's name exists (data/ imports core/, so
the import waits until it is needed).
"""
