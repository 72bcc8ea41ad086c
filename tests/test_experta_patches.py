"""engine/_experta.py adapts experta 1.9.4 internals; pin the version and the behaviour."""

from importlib.metadata import version

from denialkb.engine import _experta as X


def test_experta_version_is_the_one_the_patches_were_written_for():
    assert version("experta") == X.PATCHED_FOR == X.EXPERTA_VERSION == "1.9.4"


def test_token_without_asserts_builds_the_same_token():
    from experta.matchers.rete.token import Token  # noqa: TID251 - pinning experta's internals

    assert Token.__new__ is X._token_new
    f1, f2 = X.Fact(a=1), X.Fact(b=2)
    for tok, ref in ((Token.valid(f1), (Token.TagType.VALID, {f1}, {})),
                     (Token.invalid([f1, f2], {"x": 1}), (Token.TagType.INVALID, {f1, f2}, {"x": 1})),
                     (Token(Token.TagType.VALID, (f1,), None), (Token.TagType.VALID, {f1}, {}))):
        assert tuple(tok) == ref and type(tok.data) is set
        assert tok.copy() == tok and tok.copy().data is not tok.data
        assert tok.to_info().data == frozenset(ref[1])
    # experta's original would do the same (it only adds type assertions)
    orig = X._ORIGINAL_TOKEN_NEW(Token, Token.TagType.VALID, [f1, f2], {"x": 1})
    assert tuple(orig) == tuple(Token(Token.TagType.VALID, [f1, f2], {"x": 1}))


class A(X.Fact):
    pass


class B(X.Fact):
    pass


def _engines():
    """The same small rule set on experta's matcher and on FastReteMatcher."""
    fired = []

    class Base(X.KnowledgeEngine):
        @X.Rule(X.AS.a << A(n=X.MATCH.n), X.TEST(lambda n: n % 2 == 0), salience=3)
        def r1(self, a, n):
            fired.append((self.tag, "r1", n))
            self.declare(B(n=n))

        @X.Rule(A(n=X.MATCH.n), B(n=X.MATCH.n), salience=2)
        def r2(self, n):
            fired.append((self.tag, "r2", n))

        @X.Rule(A(n=X.MATCH.n), X.NOT(B(n=X.MATCH.n)), X.TEST(lambda n: n > 1), salience=1)
        def r3(self, n):
            fired.append((self.tag, "r3", n))

        @X.Rule(X.EXISTS(B()), salience=0)
        def r4(self):
            fired.append((self.tag, "r4", None))

    class Plain(Base):
        tag = "plain"

    class Fast(Base):
        __matcher__ = X.FastReteMatcher
        tag = "fast"

    return Plain(), Fast(), fired


def test_fast_matcher_and_fast_reset_behave_like_experta():
    plain, fast, fired = _engines()
    for round_ in range(3):  # reset between claims, several times
        plain.reset()
        X.fast_reset(fast)
        assert list(fast.facts.items()) == list(plain.facts.items())  # {0: InitialFact()}
        assert fast.agenda.activations == plain.agenda.activations == []
        acts = []
        for eng in (plain, fast):
            eng.declare(*[A(n=i + round_) for i in range(5)])
            acts.append([(a.rule.__name__, sorted(f["__factid__"] for f in a.facts), a.key)
                         for a in eng.agenda.activations])
            eng.run()
        assert acts[0] == acts[1] and acts[0]
        p = [x[1:] for x in fired if x[0] == "plain"]
        f = [x[1:] for x in fired if x[0] == "fast"]
        assert p == f and len(p) >= 7
        assert list(plain.facts.keys()) == list(fast.facts.keys())
        fired.clear()


def test_fast_matcher_polls_only_changed_conflict_sets():
    _, fast, _ = _engines()
    X.fast_reset(fast)
    m = fast.matcher
    assert len(m._csn_order) == 4 and not m._dirty
    fast.facts.declare(B(n=7))
    m.root_node.add(fast.facts.added.pop())
    assert len(m._dirty) == 1  # only r4 (EXISTS B) has news
    added, removed = m.changes()
    assert [a.rule.__name__ for a in added] == ["r4"] and not removed and not m._dirty
