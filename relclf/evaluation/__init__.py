"""Judging a model: scores against gold, explanations of its decisions, and figures.

- :mod:`relclf.evaluation.metrics`: precision, recall and F1 at three levels, and per-pair outcomes;
- :mod:`relclf.evaluation.explain`: the strongest features, and one pair's decision feature by feature;
- :mod:`relclf.evaluation.plots`: PNG figures (needs the ``plots`` extra).

(Named ``evaluation`` rather than ``evaluate`` so that the package never hides :func:`relclf.evaluate`.)
"""
