"""relclf: fast relation extraction from entity-annotated biomedical abstracts, on a laptop CPU.

The public API, stage by stage::

    documents = list(read_pubtator("Train.PubTator"))         # reading
    model = RelationExtractor().fit(documents)                 # candidates -> features -> estimator
    predicted = model.predict_documents(read_pubtator("new.pubtator"))
    scores = score_documents(gold_documents, predicted)        # metrics
"""

__version__ = "0.1.0"

from .api import DEFAULT_MODEL, evaluate, predict_file, train  # noqa: E402
from .candidates import Candidate, candidate_recall, generate_candidates  # noqa: E402
from .document import Document, Mention, Relation, canonical_type, identifier_parts  # noqa: E402
from .errors import InputError, ModelError, RelclfError, WorkerError  # noqa: E402
from .formats import read_documents, write_documents  # noqa: E402
from .metrics import Scores, score_documents  # noqa: E402
from .model import RelationExtractor  # noqa: E402
from .persistence import LoadedModel, load_model, save_model  # noqa: E402
from .pubtator import format_document, read_pubtator, write_pubtator  # noqa: E402

__all__ = [
    "DEFAULT_MODEL",
    "Candidate",
    "Document",
    "InputError",
    "LoadedModel",
    "Mention",
    "ModelError",
    "Relation",
    "RelationExtractor",
    "RelclfError",
    "Scores",
    "WorkerError",
    "__version__",
    "candidate_recall",
    "canonical_type",
    "evaluate",
    "format_document",
    "generate_candidates",
    "identifier_parts",
    "load_model",
    "predict_file",
    "read_documents",
    "read_pubtator",
    "save_model",
    "score_documents",
    "train",
    "write_documents",
    "write_pubtator",
]
