"""From documents to relations: candidates, text, features, vectorizer, estimator, threshold.

- :mod:`relclf.extract.candidates`: entity pairs of a document that may be related;
- :mod:`relclf.extract.text`: tokenization and sentences (one definition for features and explanations);
- :mod:`relclf.extract.features`: what each pair looks like (context text and document-level signals);
- :mod:`relclf.extract.vectorizer`: features to a sparse matrix;
- :mod:`relclf.extract.threshold`: precision/recall curves and the F1-best cut-off;
- :mod:`relclf.extract.estimator`: the scikit-learn estimator that fits and predicts;
- :mod:`relclf.extract.predictions`: the relations written (score filter, existing relations).
"""
