"""CNN Classroom's NumPy engine: a small, readable convolutional network library.

numpy + the standard library only, so it runs unchanged in CPython and in Pyodide. Modules:
``functional`` (plain functions the lessons compute with), ``layers``, ``losses``, ``model``
(``Sequential``), ``optim``, ``train``, ``data``, ``gradcheck``, ``signals`` (1-D convolution);
underneath them the kernels ``conv`` (convolution algorithms and their dispatch), ``pool``,
``shapes`` and ``fastpath``.
"""
