"""The bundled default model: the model file, its ``.json`` card and ``.sha256``, and MODEL_CARD.md.

This folder is installed as the package ``relclf.models`` (see pyproject.toml), so
:func:`relclf.api.default_model_path` finds the model with :mod:`importlib.resources`
in a checkout, an editable install and a wheel alike.
"""
