"""The MNIST trainer.

Two halves that never import each other's dependencies: ``driver`` runs inside the Web Worker and
imports only the engine, numpy and the standard library; ``ui`` (and the widgets it uses) runs on
the page's main thread with Panel.  ``spec``, ``hparams`` and ``digit`` are plain logic shared by
both and tested natively.
"""
