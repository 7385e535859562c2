"""The MNIST trainer.

Shared by both sides: ``settings`` (``TrainSettings``, the one shape of a run's settings, and the
presets), ``protocol`` (the messages between page and worker) and ``spec`` (the layer-list
editor's text, with the engine's table of the network).

Worker side (imports only the engine, numpy and the standard library; runs in
``static/trainer-worker.js``): ``driver``.

Page side (Panel, main thread): ``page`` wires the parts — ``form`` (settings), ``live``
(progress and charts), ``results``, ``drawing``, ``keeping`` — with ``status`` (how messages are
written), ``widgets`` (drawing pad, image gallery), ``link`` (the line to the worker) and
``digit`` (MNIST-style preprocessing of a drawing).
"""
