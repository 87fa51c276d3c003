"""Beam-search error analysis: is a wrong output the search's fault or the model's?

For a dev example with reference y* and beam output ŷ ≠ y*, score both under the model.
If P(y* | x) > P(ŷ | x) the model preferred the reference and beam search failed to find
it (a *search* error: widen the beam). Otherwise the model itself ranks the wrong output
higher (a *model* error: improve the model). With length normalization the comparison uses
the normalized objective log P / length^α, the quantity the search maximizes. The
fraction of errors of each kind tells where the effort should go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from nnlab.text.decoding import beam_search, length_normalize, score_sequence
from nnlab.text.decoding_beam import Hypothesis, StepFn

__all__ = ["ErrorAnalysisRow", "BeamErrorAnalysis", "beam_error_analysis"]


@dataclass
class ErrorAnalysisRow:
    """One dev example: reference, output, their log P and normalized scores, and the verdict.

    ``verdict`` is ``'correct'`` (ŷ = y*), ``'search'`` (score(y*) > score(ŷ)) or ``'model'``.
    """

    index: int
    reference: tuple[int, ...]
    output: tuple[int, ...]
    ref_log_prob: float
    out_log_prob: float
    ref_score: float
    out_score: float
    verdict: str


@dataclass
class BeamErrorAnalysis:
    """Counts and fractions of search and model errors over a dev set, with per-example rows."""

    rows: list[ErrorAnalysisRow] = field(default_factory=list)

    def _count(self, verdict: str) -> int:
        return sum(r.verdict == verdict for r in self.rows)

    @property
    def n_examples(self) -> int:
        return len(self.rows)

    @property
    def n_correct(self) -> int:
        return self._count("correct")

    @property
    def n_search_errors(self) -> int:
        return self._count("search")

    @property
    def n_model_errors(self) -> int:
        return self._count("model")

    @property
    def n_errors(self) -> int:
        return self.n_search_errors + self.n_model_errors

    @property
    def search_fraction(self) -> float:
        """Share of the errors attributable to the search (0 when there are no errors)."""
        return self.n_search_errors / self.n_errors if self.n_errors else 0.0

    @property
    def model_fraction(self) -> float:
        """Share of the errors attributable to the model (0 when there are no errors)."""
        return self.n_model_errors / self.n_errors if self.n_errors else 0.0

    def summary(self) -> str:
        return (f"{self.n_examples} examples, {self.n_correct} correct, {self.n_errors} errors: "
                f"{self.n_search_errors} search ({self.search_fraction:.0%}), "
                f"{self.n_model_errors} model ({self.model_fraction:.0%})")


def beam_error_analysis(make_step: Callable[[Any], StepFn], examples: Iterable[tuple[Any, Sequence[int]]],
                        bos: int | Sequence[int], eos: int, beam_width: int = 3, max_len: int = 50,
                        length_penalty: float = 0.0, append_eos: bool = True,
                        decode: Callable[[StepFn], Hypothesis] | None = None, **beam_kwargs: Any
                        ) -> BeamErrorAnalysis:
    """Attribute each wrong output to the search (P(y*|x) > P(ŷ|x)) or to the model.

    Args:
        make_step: ``make_step(x)`` returns the step function conditioned on the source x.
        examples: (x, y*) pairs; y* is a sequence of token ids.
        bos, eos: start (id or prompt ids) and end token ids.
        beam_width: k. Default: 3.
        max_len: most generated tokens. Default: 50.
        length_penalty: α, used by the search and by the comparison. Default: 0.0.
        append_eos: add EOS to a reference that lacks it (the output includes it). Default: True.
        decode: ``decode(step) -> Hypothesis`` replacing the default beam search. Default: None.
        **beam_kwargs: further :func:`beam_search` options.

    Returns:
        A :class:`BeamErrorAnalysis`.
    """
    report = BeamErrorAnalysis()
    for i, (x, ref) in enumerate(examples):
        step = make_step(x)
        ref = tuple(int(t) for t in ref)
        if append_eos and (not ref or ref[-1] != eos):
            ref += (eos,)
        if decode is not None:
            hyp = decode(step)
        else:
            hyp = beam_search(step, bos, eos, beam_width, max_len, length_penalty=length_penalty,
                              **beam_kwargs).best
        ref_lp = score_sequence(step, bos, ref)
        ref_sc = float(length_normalize(ref_lp, len(ref), length_penalty))
        out_sc = float(length_normalize(hyp.log_prob, len(hyp.tokens), length_penalty))
        if tuple(hyp.tokens) == ref:
            verdict = "correct"
        else:
            verdict = "search" if ref_sc > out_sc else "model"
        report.rows.append(ErrorAnalysisRow(i, ref, tuple(hyp.tokens), ref_lp, hyp.log_prob, ref_sc, out_sc, verdict))
    return report
