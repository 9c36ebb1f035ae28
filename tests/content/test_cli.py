import json

from content.__main__ import main


def test_show_prints_a_variant_as_json(capsys):
    assert main(["show", "inverse-2x2", "--seed", "3"]) == 0
    variant = json.loads(capsys.readouterr().out)
    assert variant["template_id"] == "inverse-2x2" and variant["seed"] == 3
    assert variant["parts"][0]["kind"] == "matrix"


def test_show_names_an_unknown_template(capsys):
    assert main(["show", "no-such-template"]) == 1
    assert "no-such-template" in capsys.readouterr().err


def test_functions_lists_the_template_functions(capsys):
    assert main(["functions"]) == 0
    names = {line.split()[0] for line in capsys.readouterr().out.splitlines()}
    assert {"diff", "inv", "eigenvals", "relu", "sin"} <= names
