"""The MNIST trainer.

Worker side (imports only the engine, numpy and the standard library; runs in
``static/trainer-worker.js``): ``driver``, plus the plain logic it shares with the page —
``spec`` (the layer list and its shape table), ``hparams`` (training settings) and ``presets``
(``engine.recipes`` in the editor's form).

Page side (Panel, main thread): ``ui`` (the page), ``widgets`` (drawing pad, image gallery),
``link`` (messages to and from the worker) and ``digit`` (MNIST-style preprocessing of a drawing).
"""
