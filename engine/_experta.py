"""The one module that imports experta.

experta 1.9.4 depends on frozendict 1.2, which uses ``collections.Mapping``
(removed in Python 3.10). The installed ``denialkb-experta-compat.pth`` restores the
alias at start-up; we set it here too so the engine works even without the .pth.
"""

import collections
import collections.abc

if not hasattr(collections, "Mapping"):  # Python >= 3.10
    collections.Mapping = collections.abc.Mapping  # type: ignore[attr-defined]

import experta  # noqa: E402,TID251
from experta import AS, EXISTS, MATCH, NOT, TEST, Fact, KnowledgeEngine, P, Rule  # noqa: E402,TID251

EXPERTA_VERSION = getattr(experta, "__version__", "1.9.4")

__all__ = ["AS", "EXISTS", "MATCH", "NOT", "P", "TEST", "Fact", "KnowledgeEngine", "Rule", "EXPERTA_VERSION"]
