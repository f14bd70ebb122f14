"""Builds execgate's native parts beside the extension modules declared in pyproject.toml:
``execgate/process/execgate-open``, the program that opens a command's redirection targets
beneath the workspace (process/_open_beneath.c). Optional like the spawn helper: without a C
compiler the gate uses its Python twin (process/_open_beneath.py)."""

from __future__ import annotations

import os

from setuptools import setup
from setuptools.command.build_ext import build_ext

OPENER_SOURCE = os.path.join("execgate", "process", "_open_beneath.c")
OPENER = "execgate-open"


class BuildNative(build_ext):
    def run(self) -> None:
        super().run()
        self._build_opener()

    def _opener_dir(self) -> str:
        native = self.get_ext_fullpath("execgate.process._native")
        return os.path.dirname(native)

    def _build_opener(self) -> None:
        out_dir = self._opener_dir()
        try:
            objects = self.compiler.compile([OPENER_SOURCE], output_dir=self.build_temp)
            self.compiler.link_executable(objects, OPENER, output_dir=out_dir)
        except Exception as exc:  # optional, as the spawn helper is
            self.warn(f"execgate-open not built ({exc}); the Python opener is used instead")

    def get_outputs(self) -> list[str]:
        return [*super().get_outputs(), os.path.join(self._opener_dir(), OPENER)]


setup(cmdclass={"build_ext": BuildNative})
