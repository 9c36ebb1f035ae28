"""One checker per answer kind. Each turns (expected text, answer text, options) into a Verdict.

The checkers run inside the bounded child (see ``grading.sandbox``); they read text only through
``grading.parser`` and leave all resource limits to the parser and the sandbox.

Significant figures (``sigfigs: n``): the answer must be written as a decimal showing exactly ``n``
significant figures, and its value must equal the expected value rounded to ``n`` significant
figures. Significant figures are counted by the parser as typed: trailing zeros after the decimal point
count (``2.50`` has three), trailing zeros of a whole number do not (``1200`` has two). An exact
answer such as ``2/3`` is not a decimal and is marked wrong with a message saying so.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import sympy
from sympy.logic.boolalg import BooleanAtom

from grading import feedback
from grading.equivalence import NumericEvaluator, compare_scalars, zero_sets_agree
from grading.errors import MathInputError, UnknownNameError
from grading.functions import TEMPLATE_FUNCTIONS
from grading.latex import to_latex
from grading.lexer import tokenize
from grading.options import GradingOptions
from grading.parser import parse, parse_with_info
from grading.verdict import Verdict, graded, invalid

NUMBER_RTOL = 1e-9
MAX_CHOICE_TEXT = 1_000
LOWEST_TERMS_MESSAGE = (
    "Your answer is equivalent, but it is not in lowest terms: cancel common factors."
)
KINDS = ("expression", "number", "matrix", "equation", "set", "choice")


class AuthoringError(Exception):
    """The expected answer (or an instructor mistake) does not parse: the author must fix it."""


@dataclass(frozen=True)
class Reading:
    """A parsed answer and what its text showed: decimals, and significant figures of a number."""

    value: Any
    has_float: bool
    sigfigs: int | None


# Deep-learning students write the activations by name; each expands to its formula
# (sigmoid(x) is 1/(1+exp(-x)), relu(x) is max(0, x)), so nothing else needs to know them;
# max and min come along because relu is so often written max(0, x).
STUDENT_EXTRA_FUNCTIONS = {
    name: TEMPLATE_FUNCTIONS[name]
    for name in ("sigmoid", "relu", "max", "min")
    if name in TEMPLATE_FUNCTIONS
}


def _read_answer(text: str, options: GradingOptions, variables: tuple[str, ...]) -> Reading:
    parsed = parse_with_info(
        text,
        variables=variables,
        level="student",
        allow_complex=options.complex,
        functions=STUDENT_EXTRA_FUNCTIONS,
    )
    sigfigs = parsed.sigfigs if parsed.numeric_literal else None
    return Reading(parsed.value, parsed.has_float, sigfigs)


def _read_expected(text: str, options: GradingOptions, variables: tuple[str, ...]) -> Any:
    return _read_authored(text, variables, options.complex)


@functools.lru_cache(maxsize=1024)
def _read_authored(text: str, variables: tuple[str, ...], allow_complex: bool) -> Any:
    """Parse instructor text; cached because every submission of a variant repeats it."""
    try:
        return parse(
            text,
            variables=variables,
            level="student",
            allow_complex=allow_complex,
            functions=STUDENT_EXTRA_FUNCTIONS,
        )
    except MathInputError:
        pass
    try:
        return parse(text, variables=variables, level="template", allow_complex=allow_complex)
    except MathInputError as error:
        raise AuthoringError(
            f"The expected answer is malformed ({error.message} at position {error.position})."
        ) from error


def _latex(value: Any) -> str:
    try:
        return to_latex(value)
    except Exception:
        return ""


def _is_scalar(value: Any) -> bool:
    return isinstance(value, sympy.Expr) and not isinstance(value, sympy.MatrixBase)


def _has_float(value: Any, reading: Reading | None = None) -> bool:
    if reading is not None and reading.has_float:
        return True
    return isinstance(value, sympy.Basic) and value.has(sympy.Float)


def _no_floats_message() -> Verdict:
    return invalid("Give an exact answer: use fractions or roots, not decimals.")


def _instructor_mistake(
    kind: str,
    expected_text: str,
    answer: Any,
    options: GradingOptions,
    matches: Callable[[Any, Any], bool],
) -> feedback.Diagnosis | None:
    variables = _variables_for(kind, options, expected_text)
    for mistake in options.mistakes:
        try:
            wrong = _read_expected(mistake.answer, options, variables)
        except AuthoringError:
            continue
        try:
            if matches(wrong, answer):
                return feedback.Diagnosis(
                    mistake.feedback or "This is a common mistake.", mistake.score
                )
        except (TypeError, ValueError, AttributeError):
            continue
    return None


def _variables_for(kind: str, options: GradingOptions, expected_text: str = "") -> tuple[str, ...]:
    if kind == "number":
        return ()
    if options.variables is not None:
        return options.variables
    return _infer_variables(expected_text, options.complex)


# Multi-letter names read as one variable when a template did not declare its variables.
_WHOLE_NAMES = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi rho sigma tau "
    "phi chi psi omega".split()
)
MAX_INFERRED_VARIABLES = 12


@functools.lru_cache(maxsize=1024)
def _infer_variables(expected_text: str, allow_complex: bool) -> tuple[str, ...]:
    """The variables an expected answer uses, for options that do not list them.

    The parser names each undeclared variable it meets; a multi-letter run that is not a Greek
    letter (``wx``) is taken as single-letter variables, as a student would read it, and a single
    letter other than f, g, h before a bracket (``x(x+1)``) is a variable too.
    """
    names: list[str] = []
    for _ in range(MAX_INFERRED_VARIABLES):
        try:
            parse(expected_text, variables=names, level="template", allow_complex=allow_complex)
        except UnknownNameError as error:
            called = error.message.startswith("unknown function")
            if not error.name.isalpha() or (
                called and (len(error.name) > 1 or error.name in "fgh")
            ):
                break
            pieces = [error.name] if error.name in _WHOLE_NAMES else list(error.name)
            new = [piece for piece in pieces if piece not in names]
            if not new:
                break
            names.extend(new)
            continue
        except MathInputError:
            break
        break
    return tuple(names)


def _wrong(diagnosis: feedback.Diagnosis | None, latex: str, message: str = "") -> Verdict:
    if diagnosis is None:
        return graded(False, message=message or "Not correct.", latex=latex)
    return graded(
        False,
        score=diagnosis.score,
        message=diagnosis.feedback,
        feedback=(diagnosis.feedback,),
        latex=latex,
    )


# --- expression -----------------------------------------------------------------------------


def _scalars_equal(
    options: GradingOptions, evaluator: NumericEvaluator | None = None
) -> Callable[[Any, Any], bool]:
    def equal(expected: Any, answer: Any) -> bool:
        if not (_is_scalar(expected) and _is_scalar(answer)):
            return False
        return compare_scalars(expected, answer, options, evaluator).equal is True

    return equal


def _form_problem(answer: sympy.Expr, form: str, answer_text: str) -> str | None:
    if form == "expanded":
        expanded = sympy.expand(answer, deep=False, power_exp=False, power_base=False, log=False)
        if expanded != answer:
            return "Your answer is equivalent, but it is not expanded: multiply out the brackets."
        return None
    if form == "factored":
        return (
            None
            if _is_factored(answer)
            else ("Your answer is equivalent, but it is not fully factored.")
        )
    if _unreduced_fraction(answer_text):
        return LOWEST_TERMS_MESSAGE
    numerator, denominator = sympy.fraction(sympy.together(answer))
    if (answer.free_symbols and sympy.gcd(numerator, denominator).free_symbols) or (
        answer != sympy.together(answer) and not answer.is_Rational
    ):
        return LOWEST_TERMS_MESSAGE
    return None


def _unreduced_fraction(answer_text: str) -> bool:
    """Whether the text is a bare fraction of whole numbers with a common factor (``2/4``, ``-6/3``).

    SymPy reduces such a fraction as soon as it is built, so the parsed value cannot tell; the
    parser's own tokens can.
    """
    try:
        tokens = tokenize(answer_text, max_tokens=16)
    except MathInputError:
        return False
    body = [(token.kind, token.text) for token in tokens if token.kind != "end"]
    if body and body[0] in (("op", "-"), ("op", "+")):
        body = body[1:]
    if len(body) != 3 or body[1] != ("op", "/"):
        return False
    (numerator_kind, numerator), (denominator_kind, denominator) = body[0], body[2]
    if numerator_kind != "number" or denominator_kind != "number":
        return False
    if not (numerator.isdigit() and denominator.isdigit()):
        return False
    return math.gcd(int(numerator), int(denominator)) > 1


def _is_factored(answer: sympy.Expr) -> bool:
    symbols = sorted(answer.free_symbols, key=lambda s: s.name)
    if not symbols:
        return True
    factors = answer.args if answer.is_Mul else (answer,)
    for factor in factors:
        base = factor.base if factor.is_Pow and factor.exp.is_Integer else factor
        if base.is_number or base.is_Symbol:
            continue
        if not base.is_polynomial(*symbols):
            continue
        _, pieces = sympy.factor_list(base, *symbols)
        if len(pieces) > 1 or any(multiplicity > 1 for _, multiplicity in pieces):
            return False
        # An irreducible sum is as factored as it gets unless its terms share a factor
        # (2x + 2, x^2 + x), which factor_terms pulls out.
        if base.is_Add and sympy.factor_terms(base) != base:
            return False
    return True


def check_expression(expected_text: str, answer_text: str, options: GradingOptions) -> Verdict:
    variables = _variables_for("expression", options, expected_text)
    expected = _read_expected(expected_text, options, variables)
    if not _is_scalar(expected):
        raise AuthoringError("The expected answer is not a single expression.")
    reading = _read_answer(answer_text, options, variables)
    answer = reading.value
    latex = _latex(answer)
    if not _is_scalar(answer):
        return invalid("Expected a single expression here.", latex=latex)
    if not options.allow_floats and _has_float(answer, reading):
        return _no_floats_message()
    evaluator = NumericEvaluator(tuple(expected.free_symbols | answer.free_symbols), options)
    result = compare_scalars(expected, answer, options, evaluator)
    if result.equal:
        if options.form is not None:
            problem = _form_problem(answer, options.form, answer_text)
            if problem is not None:
                return graded(False, message=problem, feedback=(problem,), latex=latex)
        return graded(True, latex=latex)
    diagnosis = _instructor_mistake(
        "expression", expected_text, answer, options, _scalars_equal(options, evaluator)
    )
    if diagnosis is None and result.equal is False:
        diagnosis = feedback.diagnose_scalar(expected, answer, options, evaluator)
    message = ""
    if result.reason == "defined on a different domain":
        message = "Not correct: your answer is undefined where the correct one is defined."
    return _wrong(diagnosis, latex, message)


# --- number ---------------------------------------------------------------------------------


def _numeric_value(value: Any, options: GradingOptions) -> complex | None:
    if not _is_scalar(value) or value.free_symbols:
        return None
    try:
        number = complex(value.evalf(30))
    except (TypeError, ValueError, OverflowError):
        return None
    if not (math.isfinite(number.real) and math.isfinite(number.imag)):
        return None
    if not options.complex and abs(number.imag) > 1e-12 * max(1.0, abs(number.real)):
        return None
    return number if options.complex else complex(number.real, 0.0)


def round_significant(value: float, figures: int) -> Decimal:
    """``value`` rounded half-even to ``figures`` significant figures."""
    if value == 0:
        return Decimal(0)
    exponent = math.floor(math.log10(abs(value)))
    quantum = Decimal(1).scaleb(exponent - figures + 1)
    return Decimal(repr(value)).quantize(quantum, rounding="ROUND_HALF_EVEN").normalize()


def _sigfig_verdict(
    expected: complex, answer: complex, reading: Reading, figures: int, latex: str
) -> Verdict:
    if reading.sigfigs is None:
        message = f"Give your answer as a decimal to {figures} significant figures."
        return graded(False, message=message, feedback=(message,), latex=latex)
    target = round_significant(expected.real, figures)
    try:
        given: Decimal | None = round_significant(answer.real, figures)
    except (InvalidOperation, ValueError):
        given = None
    if given == target and reading.sigfigs == figures:
        return graded(True, latex=latex)
    if given == target:
        message = f"Give your answer to exactly {figures} significant figures."
    elif reading.sigfigs < figures and abs(answer.real - expected.real) <= 0.05 * abs(
        expected.real
    ):
        message = (
            f"Not accurate enough: give {figures} significant figures (did you round too early?)."
        )
    else:
        message = "Not correct."
    return graded(False, message=message, feedback=(message,), latex=latex)


def _numbers_equal(options: GradingOptions) -> Callable[[Any, Any], bool]:
    def equal(expected: Any, answer: Any) -> bool:
        e = _numeric_value(expected, options)
        a = _numeric_value(answer, options)
        return e is not None and a is not None and _within(e, a, options)

    return equal


def _within(expected: complex, answer: complex, options: GradingOptions) -> bool:
    if options.rtol is None and options.atol is None:
        return abs(answer - expected) <= NUMBER_RTOL * max(abs(expected), 1e-300) or (
            answer == expected
        )
    rtol = options.rtol or 0.0
    atol = options.atol or 0.0
    return abs(answer - expected) <= atol + rtol * abs(expected)


def check_number(expected_text: str, answer_text: str, options: GradingOptions) -> Verdict:
    expected_value = _read_expected(expected_text, options, ())
    expected = _numeric_value(expected_value, options)
    if expected is None:
        raise AuthoringError("The expected answer is not a number.")
    reading = _read_answer(answer_text, options, ())
    latex = _latex(reading.value)
    answer = _numeric_value(reading.value, options)
    if answer is None:
        return invalid("Expected a number here (for example 0.25 or 1/4).", latex=latex)
    if not options.allow_floats and _has_float(reading.value, reading):
        return _no_floats_message()
    if options.sigfigs is not None:
        return _sigfig_verdict(expected, answer, reading, options.sigfigs, latex)
    if _within(expected, answer, options):
        if options.form == "lowest_terms" and _unreduced_fraction(answer_text):
            return graded(
                False, message=LOWEST_TERMS_MESSAGE, feedback=(LOWEST_TERMS_MESSAGE,), latex=latex
            )
        return graded(True, latex=latex)
    diagnosis = _instructor_mistake(
        "number", expected_text, reading.value, options, _numbers_equal(options)
    )
    if diagnosis is None:
        tolerance = max(options.rtol or 0.0, NUMBER_RTOL)
        diagnosis = feedback.diagnose_number(
            expected,
            answer,
            answer_has_decimals=_has_float(reading.value, reading),
            tolerance=tolerance,
        )
    return _wrong(diagnosis, latex)


# --- matrix ---------------------------------------------------------------------------------


def _as_matrix(value: Any) -> sympy.ImmutableMatrix | None:
    if isinstance(value, sympy.MatrixBase):
        return sympy.ImmutableMatrix(value)
    return None


def _entry_matches(
    expected: sympy.ImmutableMatrix, answer: sympy.ImmutableMatrix, options: GradingOptions
) -> list[bool]:
    symbols = tuple(expected.free_symbols | answer.free_symbols)
    evaluator = NumericEvaluator(symbols, options)
    return [
        compare_scalars(e, a, options, evaluator).equal is True
        for e, a in zip(expected, answer, strict=True)
    ]


def _matrices_equal(options: GradingOptions) -> Callable[[Any, Any], bool]:
    def equal(expected: Any, answer: Any) -> bool:
        e, a = _as_matrix(expected), _as_matrix(answer)
        if e is None or a is None or e.shape != a.shape:
            return False
        return all(_entry_matches(e, a, options))

    return equal


def check_matrix(expected_text: str, answer_text: str, options: GradingOptions) -> Verdict:
    variables = _variables_for("matrix", options, expected_text)
    expected_value = _read_expected(expected_text, options, variables)
    expected = _as_matrix(expected_value)
    if expected is None:
        raise AuthoringError("The expected answer is not a matrix or vector.")
    reading = _read_answer(answer_text, options, variables)
    latex = _latex(reading.value)
    answer = _as_matrix(reading.value)
    if answer is None:
        if not _is_scalar(reading.value):
            return invalid("Expected a matrix here, such as [[1, 2], [3, 4]].", latex=latex)
        message = feedback.wrong_shape(expected.shape, None)
        return graded(False, message=message, feedback=(message,), latex=latex)
    if not options.allow_floats and _has_float(answer, reading):
        return _no_floats_message()
    if answer.shape != expected.shape:
        transposed = answer.T
        if transposed.shape == expected.shape and all(
            _entry_matches(expected, transposed, options)
        ):
            return graded(
                False, message=feedback.TRANSPOSED, feedback=(feedback.TRANSPOSED,), latex=latex
            )
        message = feedback.wrong_shape(expected.shape, answer.shape)
        diagnosis = _instructor_mistake(
            "matrix", expected_text, answer, options, _matrices_equal(options)
        )
        if diagnosis is not None:
            return _wrong(diagnosis, latex)
        return graded(False, message=message, feedback=(message,), latex=latex)
    matches = _entry_matches(expected, answer, options)
    if all(matches):
        return graded(True, latex=latex)
    diagnosis = _instructor_mistake(
        "matrix", expected_text, answer, options, _matrices_equal(options)
    )
    if diagnosis is not None:
        return _wrong(diagnosis, latex)
    share = sum(matches) / len(matches)
    notes: list[str] = []
    if expected.shape[0] == expected.shape[1] and all(_entry_matches(expected, answer.T, options)):
        notes.append(feedback.TRANSPOSED)
        share = 0.0
    elif all(_entry_matches(expected, -answer, options)):
        notes.append("Check the sign: your matrix is the negative of the correct one.")
        share = 0.0
    else:
        wrong = len(matches) - sum(matches)
        notes.append(f"{wrong} of {len(matches)} entries are not correct.")
    return graded(False, score=share, message=notes[0], feedback=tuple(notes), latex=latex)


# --- set ------------------------------------------------------------------------------------


def _as_elements(value: Any) -> list[Any] | None:
    if isinstance(value, sympy.FiniteSet):
        return list(value.args)
    if value == sympy.S.EmptySet:
        return []
    return None


def _elements_equal(expected: Any, answer: Any, options: GradingOptions) -> bool:
    if _is_scalar(expected) and _is_scalar(answer):
        return compare_scalars(expected, answer, options).equal is True
    if isinstance(expected, sympy.Tuple) and isinstance(answer, sympy.Tuple):
        return len(expected) == len(answer) and all(
            _elements_equal(e, a, options) for e, a in zip(expected, answer, strict=True)
        )
    return bool(expected == answer)


def _distinct(elements: list[Any], options: GradingOptions) -> list[Any]:
    kept: list[Any] = []
    for element in elements:
        if not any(_elements_equal(other, element, options) for other in kept):
            kept.append(element)
    return kept


def _match_sets(expected: list[Any], answer: list[Any], options: GradingOptions) -> int:
    unused = list(answer)
    matched = 0
    for element in expected:
        for index, candidate in enumerate(unused):
            if _elements_equal(element, candidate, options):
                matched += 1
                del unused[index]
                break
    return matched


def _sets_equal(options: GradingOptions) -> Callable[[Any, Any], bool]:
    def equal(expected: Any, answer: Any) -> bool:
        e, a = _as_elements(expected), _as_elements(answer)
        if e is None or a is None:
            return False
        e, a = _distinct(e, options), _distinct(a, options)
        return len(e) == len(a) == _match_sets(e, a, options)

    return equal


def check_set(expected_text: str, answer_text: str, options: GradingOptions) -> Verdict:
    variables = _variables_for("set", options, expected_text)
    expected_value = _read_expected(expected_text, options, variables)
    expected = _as_elements(expected_value)
    if expected is None:
        if not _is_scalar(expected_value):
            raise AuthoringError("The expected answer is not a set.")
        expected = [expected_value]
    reading = _read_answer(answer_text, options, variables)
    latex = _latex(reading.value)
    answer = _as_elements(reading.value)
    if answer is None:
        return invalid("Expected a set here, written with braces such as {1, 2}.", latex=latex)
    if not options.allow_floats and _has_float(reading.value, reading):
        return _no_floats_message()
    expected = _distinct(expected, options)
    answer = _distinct(answer, options)
    matched = _match_sets(expected, answer, options)
    if matched == len(expected) == len(answer):
        return graded(True, latex=latex)
    diagnosis = _instructor_mistake(
        "set", expected_text, reading.value, options, _sets_equal(options)
    )
    if diagnosis is not None:
        return _wrong(diagnosis, latex)
    notes: list[str] = []
    missing = len(expected) - matched
    extra = len(answer) - matched
    if missing:
        notes.append(f"{missing} element{'s are' if missing > 1 else ' is'} missing.")
    if extra:
        notes.append(f"{extra} element{'s do' if extra > 1 else ' does'} not belong in the set.")
    share = matched / max(len(expected), len(answer), 1)
    return graded(False, score=share, message=" ".join(notes), feedback=tuple(notes), latex=latex)


# --- equation -------------------------------------------------------------------------------


def _difference(equation: Any) -> sympy.Expr | None:
    if isinstance(equation, sympy.Equality):
        return sympy.Add(equation.lhs, -equation.rhs)
    return None


def _proportional(d1: sympy.Expr, d2: sympy.Expr, options: GradingOptions) -> bool | None:
    symbols = tuple(d1.free_symbols | d2.free_symbols)
    evaluator = NumericEvaluator(symbols, options)
    v1, v2 = evaluator.values(d1), evaluator.values(d2)
    ratios = [
        complex(b) / complex(a)
        for a, b in zip(v1, v2, strict=True)
        if a is not None and b is not None and abs(complex(a)) > 1e-12
    ]
    if len(ratios) < 4:
        return None
    first = ratios[0]
    if abs(first) < 1e-12:
        return False
    return all(abs(r - first) <= 1e-8 * abs(first) for r in ratios)


def _solutions_satisfy(source: sympy.Expr, target: sympy.Expr, options: GradingOptions) -> bool:
    """Every solution of ``source = 0`` for one of its variables also solves ``target = 0``."""
    symbols = sorted(source.free_symbols & target.free_symbols, key=lambda s: s.name)
    if not symbols:
        return False
    variable = symbols[-1]
    try:
        solutions = sympy.solve(source, variable, dict=False)
    except (NotImplementedError, ValueError, TypeError):
        return False
    if not solutions or not isinstance(solutions, list):
        return False
    for solution in solutions:
        if isinstance(solution, (tuple, dict)):
            return False
        substituted = target.subs(variable, solution)
        if compare_scalars(sympy.Integer(0), substituted, options).equal is not True:
            return False
    return True


def _equations_equal(options: GradingOptions) -> Callable[[Any, Any], bool]:
    def equal(expected: Any, answer: Any) -> bool:
        d1, d2 = _difference(expected), _difference(answer)
        if d1 is None or d2 is None:
            return bool(expected == answer)
        if _proportional(d1, d2, options):
            return True
        symbols = sorted(d1.free_symbols | d2.free_symbols, key=lambda s: s.name)
        n1 = sympy.together(d1).as_numer_denom()[0]
        n2 = sympy.together(d2).as_numer_denom()[0]
        if symbols and n1.is_polynomial(*symbols) and n2.is_polynomial(*symbols):
            # Polynomial equations have the same solutions exactly when their square-free
            # parts are proportional.
            p1 = sympy.sqf_part(n1, *symbols)
            p2 = sympy.sqf_part(n2, *symbols)
            return bool(_proportional(p1, p2, options))
        if d1.free_symbols != d2.free_symbols:
            return False
        numeric = zero_sets_agree(d1, d2, options)
        if numeric is not None:
            return numeric
        if len(d1.free_symbols) == 1:
            variable = next(iter(d1.free_symbols))
            domain = sympy.S.Complexes if options.complex else sympy.S.Reals
            try:
                s1 = sympy.solveset(d1, variable, domain)
                s2 = sympy.solveset(d2, variable, domain)
            except (NotImplementedError, ValueError, TypeError):
                return False
            if isinstance(s1, sympy.FiniteSet) and isinstance(s2, sympy.FiniteSet):
                return _sets_equal(options)(s1, s2)
            return bool(s1 == s2)
        return _solutions_satisfy(d1, d2, options) and _solutions_satisfy(d2, d1, options)

    return equal


def check_equation(expected_text: str, answer_text: str, options: GradingOptions) -> Verdict:
    variables = _variables_for("equation", options, expected_text)
    expected = _read_expected(expected_text, options, variables)
    if not isinstance(expected, sympy.Equality):
        raise AuthoringError("The expected answer is not an equation.")
    reading = _read_answer(answer_text, options, variables)
    latex = _latex(reading.value)
    answer = reading.value
    if isinstance(answer, BooleanAtom):
        message = "Your equation is always true or always false; it does not describe the solution."
        return graded(False, message=message, feedback=(message,), latex=latex)
    if not isinstance(answer, sympy.Equality):
        return invalid("Expected an equation here, such as y = 2x + 1.", latex=latex)
    if not options.allow_floats and _has_float(answer, reading):
        return _no_floats_message()
    if _equations_equal(options)(expected, answer):
        return graded(True, latex=latex)
    diagnosis = _instructor_mistake(
        "equation", expected_text, answer, options, _equations_equal(options)
    )
    return _wrong(diagnosis, latex)


# --- choice ---------------------------------------------------------------------------------


def _choice_labels(text: str, choices: tuple[str, ...]) -> list[str]:
    separators = ",;" if any(" " in choice for choice in choices) else ",; \t\n"
    labels: list[str] = []
    current: list[str] = []
    for character in text:
        if character in separators:
            labels.append("".join(current).strip())
            current = []
        else:
            current.append(character)
    labels.append("".join(current).strip())
    return [label for label in labels if label]


def _choice_key(label: str) -> str:
    return label.strip().casefold()


def check_choice(expected_text: str, answer_text: str, options: GradingOptions) -> Verdict:
    if len(answer_text) > MAX_CHOICE_TEXT or "\x00" in answer_text:
        return invalid("That is not one of the choices.", position=0)
    known = {_choice_key(c): c for c in options.choices}
    expected = {_choice_key(label) for label in _choice_labels(expected_text, options.choices)}
    if not expected:
        raise AuthoringError("The expected answer names no choice.")
    if known and not expected <= set(known):
        raise AuthoringError("The expected answer names a label that is not among the choices.")
    picked_labels = _choice_labels(answer_text, options.choices)
    if not picked_labels:
        return invalid("Choose an answer.", position=0)
    for label in picked_labels:
        key = _choice_key(label)
        if (known and key not in known) or (not known and not label.isalnum()):
            listed = ", ".join(options.choices)
            suffix = f" Choose from {listed}." if listed else ""
            return invalid(
                f"'{label[:20]}' is not one of the choices.{suffix}",
                position=max(answer_text.find(label), 0),
            )
    picked = {_choice_key(label) for label in picked_labels}
    multiple = options.multiple or len(expected) > 1
    if not multiple and len(picked) > 1:
        return invalid("Choose exactly one answer.", position=0)
    latex = "\\text{" + ", ".join(sorted(label.upper() for label in picked)) + "}"
    if picked == expected:
        return graded(True, latex=latex)
    mistake_keys = {
        frozenset(_choice_key(label) for label in _choice_labels(m.answer, options.choices)): m
        for m in options.mistakes
    }
    mistake = mistake_keys.get(frozenset(picked))
    if mistake is not None:
        return _wrong(feedback.Diagnosis(mistake.feedback or "Not correct.", mistake.score), latex)
    score = 0.0
    message = "Not correct."
    if multiple:
        hits = len(picked & expected)
        false_picks = len(picked - expected)
        if options.partial:
            score = max(0.0, (hits - false_picks) / len(expected))
        message = f"{hits} of {len(expected)} correct choices selected"
        message += f", {false_picks} wrong." if false_picks else "."
    return graded(False, score=score, message=message, feedback=(message,), latex=latex)


CHECKERS: dict[str, Callable[[str, str, GradingOptions], Verdict]] = {
    "expression": check_expression,
    "number": check_number,
    "matrix": check_matrix,
    "equation": check_equation,
    "set": check_set,
    "choice": check_choice,
}


def check_answer(kind: str, expected: str, answer: str, options: GradingOptions) -> Verdict:
    """Grade one answer; student input errors become ``invalid`` verdicts with a position."""
    checker = CHECKERS.get(kind)
    if checker is None:
        return invalid(f"Unknown answer kind {kind!r}; expected one of {', '.join(KINDS)}.")
    try:
        return checker(expected, answer, options)
    except AuthoringError as error:
        return invalid(f"Grading error: {error}")
    except MathInputError as error:
        return invalid(error.message, position=error.position)
