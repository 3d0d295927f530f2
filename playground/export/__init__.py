"""What a student or teacher takes home from a run: the standalone PyTorch script (script.py,
template.py) and the run's files as bytes (files.py), shared by the CLI and the page."""
