"""From documents to relations: candidates, features, vectorizer, estimator, threshold.

- :mod:`relclf.extract.candidates`: entity pairs of a document that may be related;
- :mod:`relclf.extract.features`: what each pair looks like (context text and document-level signals);
- :mod:`relclf.extract.vectorizer`: features to a sparse matrix;
- :mod:`relclf.extract.threshold`: hits counted as the score cut-off falls (under every precision/recall curve);
- :mod:`relclf.extract.estimator`: the scikit-learn estimator that fits and predicts;
- :mod:`relclf.extract.predictions`: the relations written (score filter, existing relations).

Tokens and sentences (the one definition that features, explanations and review pages share) are in
:mod:`relclf.text`, beside the documents.
"""
