"""Reading and writing annotated documents: the first and the last stage.

- :mod:`relclf.io.formats`: format detection and the entry points ``read_documents`` / ``write_documents``;
- :mod:`relclf.io.pubtator`, :mod:`relclf.io.bioc_xml`, :mod:`relclf.io.bioc_json`: one module per format;
- :mod:`relclf.io.bioc_document`: the conversion between documents and BioC documents both BioC formats share;
- :mod:`relclf.io.rows`: relation rows (JSON Lines, TSV) for analytics;
- :mod:`relclf.io.validation`: the rules every reader applies to a document, and the skip-or-raise loop;
- :mod:`relclf.io.files`: opening inputs and writing outputs atomically.

Nothing is imported here, so that importing one format does not load the others' libraries.
"""
