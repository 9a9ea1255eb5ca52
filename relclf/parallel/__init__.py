"""Running work in batches, in worker processes or on a dask cluster, with results in input order.

- :mod:`relclf.parallel.batching`: cutting a document stream into bounded batches;
- :mod:`relclf.parallel.workers`: a local process pool (joblib's loky) with ordered, bounded results;
- :mod:`relclf.parallel.distributed`: the same on a dask.distributed cluster.

These modules know nothing of relation extraction: they run functions given to them.
"""
