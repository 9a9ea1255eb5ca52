"""Curation: what curators decided about predicted relations, gold documents made from it, the documents
to annotate next, and how far two curators agree.

- :mod:`relclf.curation.decisions`: the decisions file the review page exports (accepted, corrected,
  rejected and added relations), read, checked and applied to the predicted documents to give
  complete gold documents, ready for training; the decisions a gold file implies (a simulated curator).
- :mod:`relclf.curation.selection`: which documents of a pool to annotate next (uncertainty or margin
  sampling over the candidate pairs, with diversity; random as a baseline), and why each was chosen.
- :mod:`relclf.curation.agreement`: agreement between two curators' decisions (accept/reject
  agreement, Cohen's kappa, label agreement).

docs/review.md describes the whole loop.
"""
