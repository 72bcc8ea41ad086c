"""The one module that imports experta, and the only place that touches its internals.

experta 1.9.4 depends on frozendict 1.2, which uses ``collections.Mapping``
(removed in Python 3.10). The installed ``denialkb-experta-compat.pth`` restores the
alias at start-up; we set it here too so the engine works even without the .pth.

Performance adaptations, all written against experta 1.9.4 (the only release) and
pinned by ``tests/test_experta_patches.py``:

* :class:`FastReteMatcher` (a ``ReteMatcher`` subclass, used only by the scoped
  engines): after a change it polls only the conflict-set nodes that received a token,
  in the network's order, instead of every rule's node; the node list is computed once
  per network (experta caches it with ``lru_cache(maxsize=1)``, which thrashes as soon
  as two engines alternate in one thread).
* :func:`fast_reset`: experta's ``reset()`` minus the recursive walk (shared alpha
  paths are reset many times) and the ``inspect.getmembers`` scan for ``DefFacts``: it
  wipes each memory node once and declares ``InitialFact`` (the only deffact of our
  engines), exactly as ``reset()`` leaves the engine.
* ``Token.__new__`` without its ``assert isinstance`` type checks (what ``python -O``
  does to it); it builds the same token. Applied once, at import.
"""

import collections
import collections.abc

if not hasattr(collections, "Mapping"):  # Python >= 3.10
    collections.Mapping = collections.abc.Mapping  # type: ignore[attr-defined]

import experta  # noqa: E402,TID251
from experta import AS, EXISTS, MATCH, NOT, TEST, Fact, KnowledgeEngine, P, Rule  # noqa: E402,TID251
from experta.agenda import Agenda  # noqa: E402,TID251
from experta.fact import InitialFact  # noqa: E402,TID251
from experta.factlist import FactList  # noqa: E402,TID251
from experta.matchers.rete import ReteMatcher  # noqa: E402,TID251
from experta.matchers.rete import token as _token  # noqa: E402,TID251
from experta.matchers.rete.mixins import NoMemory  # noqa: E402,TID251
from experta.matchers.rete.nodes import ConflictSetNode  # noqa: E402,TID251

EXPERTA_VERSION = getattr(experta, "__version__", "1.9.4")
PATCHED_FOR = "1.9.4"

__all__ = ["AS", "EXISTS", "MATCH", "NOT", "P", "TEST", "Fact", "KnowledgeEngine", "Rule", "EXPERTA_VERSION",
           "FastReteMatcher", "fast_reset", "network_nodes"]


# --------------------------------------------------------------------------- Token
_Token = _token.Token
_ORIGINAL_TOKEN_NEW = _Token.__new__
_tuple_new = tuple.__new__


def _token_new(cls, tag, data, context=None):
    """``Token.__new__`` of experta 1.9.4 without the ``assert`` type checks."""
    if context is None:
        context = {}
    data = {data} if isinstance(data, Fact) else set(data)
    return _tuple_new(cls, (tag, data, context))


if EXPERTA_VERSION == PATCHED_FOR:  # another version: leave experta as it is
    _Token.__new__ = _token_new


# --------------------------------------------------------------------------- matcher
def network_nodes(root) -> list:
    """Every node of a RETE network once, depth first from ``root`` (children in order)."""
    seen, out, stack = set(), [], [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append(node)
        stack.extend(child.node for child in reversed(node.children))
    return out


class _TrackedConflictSetNode(ConflictSetNode):
    """A conflict-set node that tells its matcher when it has something to report."""

    __slots__ = ()

    def _activate(self, token):
        super()._activate(token)
        if self.added or self.removed:
            self._dirty[id(self)] = self


class FastReteMatcher(ReteMatcher):
    """experta's RETE matcher, polling only the conflict sets that changed.

    The activations returned by :meth:`changes` are the same as experta's (the agenda
    orders them by salience and fact ids, not by arrival).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # experta's own node list and order (it de-duplicates shared nodes)
        csns = []
        for node in network_nodes(self.root_node):
            if isinstance(node, ConflictSetNode) and node not in csns:
                csns.append(node)
        self._csn_order = {id(n): i for i, n in enumerate(csns)}
        self._dirty: dict = {}
        for n in csns:
            n.__class__ = _TrackedConflictSetNode
            n._dirty = self._dirty
        self._memory_nodes = [n for n in network_nodes(self.root_node) if not isinstance(n, NoMemory)]

    def changes(self, adding=None, deleting=None):
        """Pass the given changes to the network; return (added, removed) activations."""
        root = self.root_node
        if deleting is not None:
            for deleted in deleting:
                root.remove(deleted)
        if adding is not None:
            for added in adding:
                root.add(added)
        added, removed = [], []
        dirty = self._dirty
        if dirty:
            order = self._csn_order
            for csn in sorted(dirty.values(), key=lambda n: order[id(n)]):
                c_added, c_removed = csn.get_activations()
                added.extend(c_added)
                removed.extend(c_removed)
            dirty.clear()
        return added, removed

    def reset(self):
        """Wipe every memory node once (experta walks shared paths repeatedly)."""
        for node in self._memory_nodes:
            node._reset()
        self._dirty.clear()


def fast_reset(engine) -> None:
    """Reset ``engine`` (whose matcher is a :class:`FastReteMatcher` and which has no
    ``DefFacts`` of its own) as ``KnowledgeEngine.reset()`` would."""
    engine.agenda = Agenda()
    engine.facts = FactList()
    engine.matcher.reset()
    engine.facts.declare(InitialFact())
    added, removed = engine.get_activations()
    engine.strategy.update_agenda(engine.agenda, added, removed)
    engine.running = False
