"""Generation is pinned: caching and faster printing never change what a seed produces.

The templates under `pinned/` are frozen copies of bank templates (the bank itself keeps changing);
each (template, seed) pins the fingerprint and a digest of the whole stored variant: values,
statement, hints, solution, answers, their LaTeX and the grading options.
"""

import hashlib
import json
from pathlib import Path

import pytest

from content import engine, render
from content.engine import Variant, generate
from content.loader import load_template
from grading import parser

PINNED = Path(__file__).parent / "pinned"

# (template, seed, fingerprint, first 16 hex digits of the SHA-256 of the variant's JSON)
PINS = [
    ("eigenvalues-2x2-integer", 0, "4e14909964eacf6ab0d8", "eccd8ac9f0756fc6"),
    ("eigenvalues-2x2-integer", 1, "ff04f0490aa39def3ed1", "beb8b267663b0f4c"),
    ("eigenvalues-2x2-integer", 2, "35546b73fdde0246c314", "84b622bfbac51e72"),
    ("gaussian-z-score", 0, "bcb2530d24e30ca23b01", "ebf5f8c2642a8ffd"),
    ("gaussian-z-score", 1, "b790fa2f4000175dbc43", "5672f7431979eb1d"),
    ("gaussian-z-score", 2, "3c94311ecf163f7a792d", "19a48e882a94e2be"),
    ("gradient-descent-update-rule", 0, "56c44fa1ada44cc846c4", "1a2645bedef06b53"),
    ("gradient-descent-update-rule", 1, "03c8cde6213d98dd1ca4", "9b6e152de83e631f"),
    ("gradient-descent-update-rule", 2, "2a10be8200e4e51a6755", "1d2807b10720c8a5"),
    ("inverse-2x2", 0, "6dd01203ef2aa5c6a4e7", "ec2efebf4dad2cee"),
    ("inverse-2x2", 1, "ab5a47536e533d7ed27f", "2fba0590df4ee555"),
    ("inverse-2x2", 2, "d71751518c636c69f50e", "eb94ea0fcbbaf92a"),
    ("log-softmax-stable", 0, "e93683c1dd3eb2c267df", "d4c2e34eacb1aaa8"),
    ("log-softmax-stable", 1, "dec14d5f7c214ee47e0a", "25a328232125778d"),
    ("log-softmax-stable", 2, "80912de855554f84631f", "4a6346e256600dd3"),
    ("matrix-product-shapes", 0, "702184b3bac103c17ffd", "28d99eb21849bfe1"),
    ("matrix-product-shapes", 1, "e706cb38f9aa9518823d", "316772427c5f58eb"),
    ("matrix-product-shapes", 2, "c1df27d20138bc1d190a", "17b9dfd5bec54f52"),
    ("nearest-prototype-distances", 0, "f9faee559f156b45165f", "61d546fb02f9168a"),
    ("nearest-prototype-distances", 1, "6ca4a2f27619ab4cb994", "b928b8aa94966a59"),
    ("nearest-prototype-distances", 2, "2f467be8fe1d66968b5c", "d3ade59d77b4290a"),
    ("sigmoid-affine-derivative", 0, "c7b519627e3c72e4f4c0", "d763f38614dba2a8"),
    ("sigmoid-affine-derivative", 1, "aa56bf6e88cf68a88b4a", "b941e8c18906d6ce"),
    ("sigmoid-affine-derivative", 2, "d11795df886ec8223e8b", "20aeba2ac1a10f9b"),
    ("solve-3x3-system", 0, "1be3b7a65df8114cef48", "d813a3bd246c4e8e"),
    ("solve-3x3-system", 1, "adc8c2a721ea9aedf818", "894e59aa838c4309"),
    ("solve-3x3-system", 2, "154c5c7b9c335949d766", "18a731b684429497"),
    ("taylor-sigmoid-maclaurin", 0, "8735609630bbe72ec0f5", "59b7499ae44d9293"),
    ("taylor-sigmoid-maclaurin", 1, "9a3ce88fb59f4016cbfc", "9fc53132429039b9"),
    ("taylor-sigmoid-maclaurin", 2, "8735609630bbe72ec0f5", "a77aee8f5e0d5002"),
]


def _digest(variant: Variant) -> str:
    text = json.dumps(variant.to_dict(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _forget_everything() -> None:
    engine.parse_bound.cache_clear()
    engine._remembered_text.cache_clear()
    render._expression_latex.cache_clear()
    parser.clear_template_caches()


@pytest.mark.parametrize(("name", "seed", "fingerprint", "digest"), PINS)
def test_a_pinned_template_gives_the_same_variant_for_a_seed(name, seed, fingerprint, digest):
    variant = generate(load_template(PINNED / f"{name}.toml"), seed)
    assert variant.fingerprint == fingerprint
    assert _digest(variant) == digest


@pytest.mark.parametrize("name", sorted({name for name, _, _, _ in PINS}))
def test_a_variant_is_the_same_with_caches_warm_or_empty(name):
    template = load_template(PINNED / f"{name}.toml")
    warm = [generate(template, seed) for seed in range(3, 8)]
    _forget_everything()
    cold = []
    for seed in range(3, 8):
        _forget_everything()
        cold.append(generate(template, seed))
    assert cold == warm


def test_a_pinned_statement_and_answer_read_as_before():
    variant = generate(load_template(PINNED / "inverse-2x2.toml"), 1)
    assert variant.statement_html == (
        "<p>Find the inverse of</p>\n"
        "<p>$$A = \\begin{bmatrix} -1 &amp; -1 \\\\ -4 &amp; -2 \\end{bmatrix}.$$</p>"
    )
    assert variant.parts[0].answer == "[[1, -1/2], [-2, 1/2]]"
    assert variant.parts[0].answer_latex == (
        "\\begin{bmatrix} 1 & -\\frac{1}{2} \\\\ -2 & \\frac{1}{2} \\end{bmatrix}"
    )
