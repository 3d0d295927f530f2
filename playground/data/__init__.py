"""Data sets, as pure functions of the spec and a seed: the Dataset and its loading and split
(datasets.py), the 2-D and image generators (generators.py), CSV and scikit-learn tables
(tabular.py) and the shipped image files (imagefiles.py).

Imports: core/ only.
"""
