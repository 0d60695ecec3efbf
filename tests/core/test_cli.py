import argparse

import pytest

from spotify_etl.cli import build_parser, main


def registered(parser: argparse.ArgumentParser) -> set[str]:
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(sub.choices)


EVERY_COMMAND = {"extract", "transform", "auth", "run-local", "query", "import", "report",
                 "migrate-storage", "doctor"}


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["transform", "x.json", "--out", "d"], {"transform"}),
        (["-v", "run-local"], {"run-local"}),
        (["--help"], EVERY_COMMAND),
        (["bogus"], EVERY_COMMAND),
        (["import", "x.zip"], {"import"}),
    ],
)
def test_only_the_named_subcommand_is_loaded(argv, expected):
    assert registered(build_parser(argv)) == expected


def test_an_unknown_command_lists_the_known_ones(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bogus"])
    assert exit_info.value.code == 2
    known = "'extract', 'transform', 'auth', 'run-local', 'query', 'import', 'report'"
    assert f"choose from {known}" in (
        capsys.readouterr().err
    )
