"""Code exercises: the student writes a function, the engine checks it.

``registry`` lists them, ``spec`` says what one is, ``runner`` runs and checks student code (in
the code worker, static/code-worker.js), ``compare`` judges a returned value and ``feedback``
turns a runner result into what the page shows. Nothing here imports Panel.
"""
