"""The ``plankg`` command's help: every command and option explained, the settings listed from the
settings model, and output piped into a reader that stops early ends quietly."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from plankg.cli import build_parser
from plankg.settings import Settings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_has_a_description_and_every_option_help():
    commands = subcommands(build_parser())
    assert {"build", "serve", "validate", "query", "load", "dump", "restore", "annotate"} <= set(commands)
    for name, command in commands.items():
        assert command.description, f"plankg {name} has no description"
        for action in command._actions:
            assert action.help, f"plankg {name} {'/'.join(action.option_strings) or action.dest} has no help"


def test_top_level_help_lists_every_setting_of_the_model():
    text = build_parser().format_help()
    for name in Settings.model_fields:
        assert f"PLANKG_{name.upper()} " in text, name


def test_output_into_a_closed_pipe_ends_quietly():
    # `plankg query --list | head -1`: the reader is gone before the writer is done
    env = {**os.environ, "PYTHONPATH": ROOT}
    writer = subprocess.Popen([sys.executable, "-m", "plankg.cli", "query", "--list"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env, cwd=ROOT)
    writer.stdout.close()  # before anything is read
    with writer.stderr:
        err = writer.stderr.read().decode()
    writer.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert writer.returncode == 141
