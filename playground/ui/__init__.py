"""The Streamlit front end: the only package (besides app.py) that imports streamlit.

    state.py     widget keys <-> Spec (presets, links and the sidebar share one mapping)
    widgets.py   one Param -> one widget, with help text, bounds and a log-friendly format
    sidebar.py   the Data / Network / Training settings -> a validated Spec (or its errors)
    layers.py    the layer list: one row of widgets per hidden layer
    session.py   one Runner per browser tab, applying spec changes (reset or live update)
    controls.py  the top row (Train/Pause, Step, Reset, Freeze) and the live status line
    panels.py    the live charts: network + decision surface, then tabs of curves and internals
    share.py     the URL query parameters: read a shared link, keep the address bar a link
    lab.py       the optimizer lab page (its modules are lab_*.py)
    sweep_page.py  the sweeps page: the playground's settings over a grid, in worker processes
"""
