"""The whole-CNN explorer: a small network trained by this engine, traced unit by unit.

``recipe`` says how the shipped network was trained, ``trace`` runs one image through it with the
engine and explains any unit's value, ``view`` draws the overview in the browser.
"""
