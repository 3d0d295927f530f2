"""The optimizer lab's engine: optimizers raced from identical weights on identical batches
(race.py), paths on 2-D test functions (paths.py, testfunctions.py) and the loss landscape
around a run's weights (landscape.py), and sweeps of a spec over settings (sweep.py).

Imports: core/, data/ and train/.
"""
