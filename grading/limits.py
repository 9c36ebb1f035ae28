"""Every size limit the parser enforces, in one place.

The parser checks these before SymPy does any work that could grow with the input, so hostile
text is rejected in well under a millisecond per kilobyte instead of exhausting time or memory.
"""

from __future__ import annotations

# Characters of text, as typed.
MAX_STUDENT_TEXT_LENGTH = 2_000
MAX_TEMPLATE_TEXT_LENGTH = 20_000

# Tokens after splitting the text (numbers, names, operators, brackets).
MAX_STUDENT_TOKENS = 1_000
MAX_TEMPLATE_TOKENS = 10_000

# Brackets, `|...|`, unary signs and `^` chained inside one another.
MAX_NESTING_DEPTH = 50

# Digits in one numeric literal (integer and fraction digits together).
MAX_LITERAL_DIGITS = 100
# |k| in a literal's `e` exponent (`1e999999` is refused).
MAX_LITERAL_EXPONENT = 400

# An exact number may have at most this many decimal digits (numerator and denominator each);
# powers and products are estimated against it before they are computed.
MAX_RESULT_DIGITS = 10_000
# |n| in `expr^n` when expr has variables: `(x - a)^6000` is fine, `x^(10^9)` is not.
MAX_SYMBOLIC_EXPONENT = 10_000

# Arguments of factorial and binomial when they are numbers.
MAX_FACTORIAL_ARGUMENT = 1_000

# Matrix and vector literals: rows and columns each; sets: elements.
MAX_MATRIX_DIMENSION = 20
MAX_SET_SIZE = 100
# |n| in `M^n` for a matrix of numbers, and for a matrix with variables in it.
MAX_MATRIX_POWER = 1_000
MAX_SYMBOLIC_MATRIX_POWER = 10

# Arguments in one function call.
MAX_FUNCTION_ARGUMENTS = 50

# Template-level calculus and formatting bounds.
MAX_DERIVATIVE_ORDER = 20
MAX_SERIES_ORDER = 30
MAX_NUMERIC_DIGITS = 100
MAX_ROUND_DIGITS = 50
# `expand` refuses a power of a sum above this exponent (the expansion would be enormous).
MAX_EXPAND_EXPONENT = 200
