"""Directions tried beyond the default model, measured on BioRED Dev (trained on Train only).

Each experiment reuses one feature matrix (the default PairVectorizer) and changes one decision:

- detector C and class weights (threshold always chosen by grouped 5-fold CV on Train);
- labeler: one model per entity-type pair instead of one shared model;
- stacking a gradient-boosting detector on the CV detector score plus the document-level signals;
- "graph" context: the scores of the other pairs that share an entity, fed to a second-stage detector;
- document consistency for labels: the label probabilities of the document's other pairs of the same
  type pair, fed to a second-stage labeler;
- corpus priors: how often each entity, and the pair itself, was related in the other training folds;
- a small neural network (MLPClassifier) on the 30,000 best chi2 features;
- self-training on the 900 unlabeled abstracts (relations predicted at threshold 0.6 added as labels).

Usage (from the project root; about 10 minutes on 2 cores):
    python experiments/directions.py
Writes experiments/results/directions.md.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPClassifier

from relclf import RelationExtractor, read_pubtator, score_documents
from relclf.extract.candidates import composites_are_split, related_type_pairs
from relclf.extract.estimator import best_f1_threshold, build_training_set
from relclf.extract.features import PairVectorizer

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
NEGATIVE = "None"


class Setup:
    """Train/Dev matrices, gold answers and the default decisions to compare against."""

    def __init__(self) -> None:
        self.train_docs = list(read_pubtator(DATA / "biored" / "Train.PubTator"))
        self.dev_docs = list(read_pubtator(DATA / "biored" / "Dev.PubTator"))
        split = composites_are_split(self.train_docs)
        pairs = related_type_pairs(self.train_docs, split_composites=split)
        self.T = build_training_set(self.train_docs, pairs, split_composites=split, negative_label=NEGATIVE)
        self.D = build_training_set(self.dev_docs, pairs, split_composites=split, negative_label=NEGATIVE)
        vec = PairVectorizer().fit(self.T.batch)
        self.names = vec.get_feature_names_out()
        self.Xt, self.Xd = vec.transform(self.T.batch), vec.transform(self.D.batch)
        self.yt, self.yd = np.array(self.T.labels, dtype=object), np.array(self.D.labels, dtype=object)
        self.nt = np.array([n or "" for n in self.T.novelty], dtype=object)
        self.nd = np.array([n or "" for n in self.D.novelty], dtype=object)
        self.post, self.posd = self.yt != NEGATIVE, self.yd != NEGATIVE
        self.gt, self.gd = np.array(self.T.groups), np.array(self.D.groups)
        self.gold = int(self.posd.sum()) + self.D.unreachable
        self.tpt = np.array([p.type_pair for p in self.T.batch.pairs])
        self.tpd = np.array([p.type_pair for p in self.D.batch.pairs])
        self.base_labels = OneVsRestClassifier(lr(10)).fit(self.Xt[self.post], self.yt[self.post]).predict(self.Xd)
        self.base_novelty = lr(10).fit(self.Xt[self.post], self.nt[self.post]).predict(self.Xd)
        self.det_oof = self.oof(lr(1.0), self.Xt)
        self.det_dev = lr(1.0).fit(self.Xt, self.post).predict_proba(self.Xd)[:, 1]

    def oof(self, model, X) -> np.ndarray:
        """Out-of-fold detector probabilities on Train (grouped by document)."""
        return cross_val_predict(model, X, self.post, groups=self.gt, cv=GroupKFold(5), method="predict_proba")[:, 1]

    def scores(self, detected: np.ndarray, labels: np.ndarray | None = None, novelty: np.ndarray | None = None) -> tuple[float, float, float]:
        """Dev F1 at pair, type and novelty level for candidate-level decisions."""
        labels = self.base_labels if labels is None else labels
        novelty = self.base_novelty if novelty is None else novelty
        n = int(detected.sum())
        hits = detected & self.posd
        tps = (hits.sum(), (hits & (labels == self.yd)).sum(), (hits & (labels == self.yd) & (novelty == self.nd)).sum())
        return tuple(round(float(2 * tp / (n + self.gold)), 4) for tp in tps)  # type: ignore[return-value]

    def decide(self, oof_scores: np.ndarray, dev_scores: np.ndarray) -> np.ndarray:
        """Apply the threshold chosen on the out-of-fold Train scores."""
        return dev_scores >= best_f1_threshold(oof_scores, self.post, self.T.unreachable)


def lr(C: float, class_weight: str | None = None) -> LogisticRegression:
    return LogisticRegression(C=C, class_weight=class_weight, solver="liblinear")


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def detector_variants(s: Setup) -> dict:
    rows = {}
    for C in (0.3, 1.0, 3.0):
        for weight in (None, "balanced"):
            oof = s.oof(lr(C, weight), s.Xt)
            dev = lr(C, weight).fit(s.Xt, s.post).predict_proba(s.Xd)[:, 1]
            rows[f"detector C={C}, class_weight={weight}"] = s.scores(s.decide(oof, dev))
    return rows


def per_type_pair_labeler(s: Setup) -> dict:
    labels = np.empty(len(s.yd), dtype=object)
    for tp in np.unique(s.tpt):
        rows, target = s.post & (s.tpt == tp), s.tpd == tp
        classes = np.unique(s.yt[rows])
        if len(classes) == 1:
            labels[target] = classes[0]
        elif target.any():
            model = OneVsRestClassifier(lr(10)) if len(classes) > 2 else lr(10)
            labels[target] = model.fit(s.Xt[rows], s.yt[rows]).predict(s.Xd[target])
    majority = {tp: Counter(s.yt[s.post & (s.tpt == tp)]).most_common(1)[0][0] for tp in np.unique(s.tpt)}
    always = np.array([majority.get(tp, "Association") for tp in s.tpd], dtype=object)
    detected = s.decide(s.det_oof, s.det_dev)
    return {
        "labeler per type pair": s.scores(detected, labels),
        "labeler = most common label of the type pair": s.scores(detected, always),
    }


def boosted_stack(s: Setup) -> dict:
    dense = np.array([i for i, n in enumerate(s.names) if n.startswith("dense__")])
    Zt = np.hstack([_logit(s.det_oof)[:, None], s.Xt[:, dense].toarray()])
    Zd = np.hstack([_logit(s.det_dev)[:, None], s.Xd[:, dense].toarray()])
    model = HistGradientBoostingClassifier(learning_rate=0.05, max_iter=200, max_leaf_nodes=15, min_samples_leaf=40, random_state=0)
    oof = s.oof(model, Zt)
    return {"gradient boosting on CV score + document signals": s.scores(s.decide(oof, model.fit(Zt, s.post).predict_proba(Zd)[:, 1]))}


def _shared_entity_context(scores: np.ndarray, pairs) -> np.ndarray:
    by_entity = defaultdict(list)
    for i, p in enumerate(pairs):
        by_entity[p.a].append(i)
        by_entity[p.b].append(i)
    F = np.zeros((len(scores), 8))
    for i, p in enumerate(pairs):
        for k, entity in enumerate((p.a, p.b)):
            others = scores[[j for j in by_entity[entity] if j != i]]
            if len(others):
                F[i, 4 * k : 4 * k + 4] = (others.max(), np.log1p((others > scores[i]).sum()), np.log1p((others >= 0.5).sum()), others.mean())
    return F


def graph_context(s: Setup) -> dict:
    Ft = _shared_entity_context(s.det_oof, s.T.batch.pairs)
    Fd = _shared_entity_context(s.det_dev, s.D.batch.pairs)
    Zt = sparse.hstack([s.Xt, sparse.csr_matrix(np.hstack([_logit(s.det_oof)[:, None], Ft]))]).tocsr()
    Zd = sparse.hstack([s.Xd, sparse.csr_matrix(np.hstack([_logit(s.det_dev)[:, None], Fd]))]).tocsr()
    oof = s.oof(lr(1.0), Zt)
    return {"second-stage detector with scores of pairs sharing an entity": s.scores(s.decide(oof, lr(1.0).fit(Zt, s.post).predict_proba(Zd)[:, 1]))}


def label_consistency(s: Setup) -> dict:
    labels = sorted(set(s.yt[s.post]))
    P_oof = np.zeros((len(s.yt), len(labels)))
    for train_idx, test_idx in GroupKFold(5).split(s.Xt, s.post, s.gt):
        rows = train_idx[s.post[train_idx]]
        P_oof[test_idx] = OneVsRestClassifier(lr(10)).fit(s.Xt[rows], s.yt[rows]).predict_proba(s.Xt[test_idx])
    P_dev = OneVsRestClassifier(lr(10)).fit(s.Xt[s.post], s.yt[s.post]).predict_proba(s.Xd)

    def neighbours(P, weights, groups, tps):
        index = defaultdict(list)
        for i, key in enumerate(zip(groups, tps)):
            index[key].append(i)
        F = np.zeros_like(P)
        for i, key in enumerate(zip(groups, tps)):
            others = [j for j in index[key] if j != i]
            if others:
                w = weights[others]
                F[i] = (P[others] * w[:, None]).sum(0) / max(w.sum(), 1e-6)
        return F

    Zt = sparse.hstack([s.Xt, sparse.csr_matrix(3 * neighbours(P_oof, s.det_oof, s.gt, s.tpt))]).tocsr()
    Zd = sparse.hstack([s.Xd, sparse.csr_matrix(3 * neighbours(P_dev, s.det_dev, s.gd, s.tpd))]).tocsr()
    predicted = OneVsRestClassifier(lr(10)).fit(Zt[s.post], s.yt[s.post]).predict(Zd)
    return {"labeler with label probabilities of the document's other pairs": s.scores(s.decide(s.det_oof, s.det_dev), predicted)}


def corpus_priors(s: Setup) -> dict:
    ids_t = [(c.a.identifier, c.b.identifier) for c in s.T.candidates]
    ids_d = [(c.a.identifier, c.b.identifier) for c in s.D.candidates]

    def priors(train_rows, rows):
        seen, related, pair_seen, pair_related = Counter(), Counter(), Counter(), Counter()
        for i in train_rows:
            a, b = ids_t[i]
            for e in (a, b):
                seen[e] += 1
                related[e] += s.post[i]
            pair_seen[frozenset((a, b))] += 1
            pair_related[frozenset((a, b))] += s.post[i]
        return np.array([
            [(related[a] + 0.2) / (seen[a] + 1), np.log1p(seen[a]), (related[b] + 0.2) / (seen[b] + 1), np.log1p(seen[b]),
             np.log1p(pair_seen[frozenset((a, b))]), pair_related[frozenset((a, b))] / max(pair_seen[frozenset((a, b))], 1)]
            for a, b in rows
        ])

    Ft = np.zeros((len(ids_t), 6))
    for train_idx, test_idx in GroupKFold(5).split(s.Xt, s.post, s.gt):
        Ft[test_idx] = priors(train_idx, [ids_t[i] for i in test_idx])
    Fd = priors(np.arange(len(ids_t)), ids_d)
    Zt, Zd = sparse.hstack([s.Xt, sparse.csr_matrix(3 * Ft)]).tocsr(), sparse.hstack([s.Xd, sparse.csr_matrix(3 * Fd)]).tocsr()
    oof = s.oof(lr(1.0), Zt)
    return {"corpus priors of entities and pairs (other folds)": s.scores(s.decide(oof, lr(1.0).fit(Zt, s.post).predict_proba(Zd)[:, 1]))}


def neural_network(s: Setup) -> dict:
    absolute = abs(s.Xt)
    select = SelectKBest(chi2, k=30000).fit(absolute, s.post)
    At, Ad = select.transform(s.Xt), select.transform(s.Xd)
    model = MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-3, early_stopping=True, random_state=0, max_iter=50)
    oof = s.oof(model, At)
    return {"MLP (64 hidden) on 30k chi2-selected features": s.scores(s.decide(oof, model.fit(At, s.post).predict_proba(Ad)[:, 1]))}


def self_training(s: Setup) -> dict:
    unlabeled = list(read_pubtator(DATA / "unlabeled" / "bc8_new_900.pubtator", on_error=lambda error: None))
    first = RelationExtractor().fit(s.train_docs)
    silver = list(first.predict_documents(unlabeled, threshold=0.6))
    second = RelationExtractor().fit(s.train_docs + silver)
    predicted = list(second.predict_documents(d.with_relations(()) for d in s.dev_docs))
    levels = score_documents(s.dev_docs, predicted).levels
    return {"self-training on 900 unlabeled abstracts": tuple(round(levels[k].f1, 4) for k in ("pair", "type", "novelty"))}


def main() -> None:
    start = time.perf_counter()
    s = Setup()
    rows = {"default decisions (reference)": s.scores(s.decide(s.det_oof, s.det_dev))}
    for experiment in (detector_variants, per_type_pair_labeler, boosted_stack, graph_context, label_consistency, corpus_priors, neural_network, self_training):
        result = experiment(s)
        rows.update(result)
        for name, f1 in result.items():
            print(f"{name}: pair/type/novelty F1 {f1}", flush=True)
    table = "\n".join(f"| {name} | {p:.4f} | {t:.4f} | {n:.4f} |" for name, (p, t, n) in rows.items())
    out = ROOT / "experiments" / "results" / "directions.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        "# Directions tried (BioRED Train -> Dev, F1)\n\n"
        "Thresholds are always chosen by grouped 5-fold CV on Train; Dev is only measured.\n\n"
        "| experiment | pair F1 | type F1 | novelty F1 |\n|---|---|---|---|\n" + table +
        f"\n\nReproduce: `python experiments/directions.py` ({time.perf_counter() - start:.0f} s on this machine)\n"
    )


if __name__ == "__main__":
    main()
